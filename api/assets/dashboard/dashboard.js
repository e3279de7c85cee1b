// The motcua agency dashboard: everything it shows comes from the public
// GraphQL API at /graphql (and /graphql/ws for the live figures), with the
// signed-in official's token — an example for third-party dashboards.
(function () {
  "use strict";

  // The II.06a columns in the form's order: GraphQL field, ReportColumn.
  var COLUMNS = [
    ["totalToResolve", "TOTAL_TO_RESOLVE"],
    ["carriedOver", "CARRIED_OVER"],
    ["received", "RECEIVED"],
    ["receivedOnline", "RECEIVED_ONLINE"],
    ["receivedDirect", "RECEIVED_DIRECT"],
    ["receivedPostal", "RECEIVED_POSTAL"],
    ["movedIn", "MOVED_IN"],
    ["resolved", "RESOLVED"],
    ["resolvedEarly", "RESOLVED_EARLY"],
    ["resolvedOnTime", "RESOLVED_ON_TIME"],
    ["resolvedLate", "RESOLVED_LATE"],
    ["pending", "PENDING"],
    ["pendingWithinDeadline", "PENDING_WITHIN_DEADLINE"],
    ["pendingOverdue", "PENDING_OVERDUE"],
    ["withdrawn", "WITHDRAWN"],
    ["refused", "REFUSED"],
    ["stopped", "STOPPED"],
    ["movedOut", "MOVED_OUT"],
  ];
  var COLUMN_NAMES = {
    TOTAL_TO_RESOLVE: "Tổng số hồ sơ nhận giải quyết",
    CARRIED_OVER: "Kỳ trước chuyển qua",
    RECEIVED: "Mới tiếp nhận trong kỳ",
    RECEIVED_ONLINE: "Mới tiếp nhận trực tuyến",
    RECEIVED_DIRECT: "Mới tiếp nhận trực tiếp",
    RECEIVED_POSTAL: "Mới tiếp nhận qua bưu chính công ích",
    MOVED_IN: "Chuyển đến do sắp xếp đơn vị",
    RESOLVED: "Đã giải quyết",
    RESOLVED_EARLY: "Giải quyết trước hạn",
    RESOLVED_ON_TIME: "Giải quyết đúng hạn",
    RESOLVED_LATE: "Giải quyết quá hạn",
    PENDING: "Đang giải quyết",
    PENDING_WITHIN_DEADLINE: "Đang giải quyết trong hạn",
    PENDING_OVERDUE: "Đang giải quyết quá hạn",
    WITHDRAWN: "Rút hồ sơ",
    REFUSED: "Từ chối tiếp nhận",
    STOPPED: "Dừng xử lý",
    MOVED_OUT: "Chuyển đi do sắp xếp đơn vị",
    RECEIVED_DIGITIZED: "Tiếp nhận có số hóa hồ sơ",
    RECEIVED_WITH_FEE: "Tiếp nhận có phí, lệ phí",
    PAID_ONLINE: "Thanh toán trực tuyến",
    RESOLVED_IN_TIME: "Giải quyết trước và đúng hạn",
    RESULT_DIGITIZED: "Giải quyết có số hóa kết quả",
  };
  // The service index's dossier shares and the targets the province set
  // itself (edit here: they are the dashboard's, not the API's).
  var SHARES = [
    ["receivedOnline", "Hồ sơ tiếp nhận trực tuyến", 0.5],
    ["resolvedOnTime", "Hồ sơ giải quyết trước và đúng hạn", 0.95],
    ["digitizedDocuments", "Hồ sơ được số hóa khi tiếp nhận", 0.8],
    ["digitizedResults", "Kết quả được số hóa", 0.8],
    ["paidOnline", "Phí, lệ phí thanh toán trực tuyến", 0.5],
    ["proceduresFullyOnline", "Thủ tục cung cấp trực tuyến toàn trình", 0.8],
  ];
  var STATUS = {
    SUBMITTED: "Chờ tiếp nhận", RECEIVED: "Đã tiếp nhận", REFUSED: "Từ chối", PROCESSING: "Đang xử lý",
    SUPPLEMENT_REQUESTED: "Chờ bổ sung", AWAITING_PAYMENT: "Chờ thanh toán", WITHDRAWN: "Đã rút",
    STOPPED: "Dừng xử lý", RESOLVED: "Đã có kết quả", RETURNED: "Đã trả kết quả",
  };
  var FIGURES = COLUMNS.map(function (c) { return c[0]; }).join(" ");
  var CELL = "cell { agencyId rowAgencyId from to own procedureId fieldCode }";
  var REPORT = "query($a: String!, $f: Date!, $t: Date!, $g: ReportGrouping) { dossierReport(agencyCode: $a, from: $f, to: $t, groupBy: $g) { asOf agency { code name } rows { label month own agency { code } " + FIGURES + " " + CELL + " } total { " + FIGURES + " " + CELL + " } } }";
  var SHARE = "{ count base ratio countColumn baseColumn }";
  var INDEX = "query($a: String!, $f: Date!, $t: Date!) { serviceIndex(agencyCode: $a, from: $f, to: $t) { " +
    SHARES.map(function (s) { return s[0] + " " + SHARE; }).join(" ") + " } }";
  var LIST = "query($f: DossierFilter, $o: DossierOrder, $n: Int, $after: String) { dossiers(filter: $f, orderBy: $o, first: $n, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { code status dueAt receivedAt overdue applicant { name } agency { code name } procedure { name } } } } }";
  var SLIP = "query($c: String!) { dossier(code: $c) { code status applicant { name } procedure { name } events(first: 100) { edges { node { action statusTo createdAt note fromUser { displayName } toAgency { name } } } } } }";

  var officials = JSON.parse(document.getElementById("demo-officials").textContent || "[]");
  var state = { token: null, agency: null, from: null, to: null, report: null, live: null, drill: null };
  var $ = function (id) { return document.getElementById(id); };

  function gql(query, variables) {
    return fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer " + state.token },
      body: JSON.stringify({ query: query, variables: variables || {} }),
    }).then(function (response) { return response.json(); }).then(function (body) {
      if (body.errors && body.errors.length) {
        var error = new Error(body.errors.map(function (e) { return e.message; }).join("; "));
        error.code = body.errors[0].extensions && body.errors[0].extensions.code;
        throw error;
      }
      return body.data;
    });
  }

  function showError(error) {
    var text = error.code === "NOT_FOUND"
      ? "Không tìm thấy cơ quan này, hoặc bạn không có quyền xem báo cáo của cơ quan này."
      : error.code === "UNAUTHENTICATED" ? "Mã truy cập không hợp lệ hoặc đã hết hạn." : String(error.message || error);
    $("error").textContent = text;
    $("error").hidden = false;
  }

  function element(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
    });
    return node;
  }

  function number(n) { return Number(n).toLocaleString("vi-VN"); }
  function when(text) {
    return text ? new Date(text).toLocaleString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh", dateStyle: "short", timeStyle: "short" }) : "";
  }
  function vietnamToday() { return new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10); }

  // --- Signing in -----------------------------------------------------
  if (officials.length) {
    officials.forEach(function (official) {
      $("demo-official").appendChild(element("option", { value: official.username }, [official.username + " — " + official.role + ", " + official.agency]));
    });
    $("demo-official").addEventListener("change", function () {
      var official = officials.find(function (o) { return o.username === $("demo-official").value; });
      $("token").value = official ? official.token : "";
    });
    $("demo-choice").hidden = false;
  }

  $("sign-in").addEventListener("submit", function (event) {
    event.preventDefault();
    state.token = $("token").value.trim();
    $("error").hidden = true;
    gql("{ me { user { username displayName } agency { code name } } }").then(function (data) {
      if (!data.me) throw Object.assign(new Error("no caller"), { code: "UNAUTHENTICATED" });
      $("who").textContent = data.me.user.displayName + " (" + data.me.user.username + ") — " + data.me.agency.name;
      $("main").hidden = false;
      $("agency").value = data.me.agency.code;
      $("from").value = vietnamToday().slice(0, 4) + "-01-01";
      $("to").value = vietnamToday();
      choose();
    }).catch(showError);
  });

  $("choose").addEventListener("submit", function (event) { event.preventDefault(); choose(); });

  function choose() {
    state.agency = $("agency").value.trim();
    state.from = $("from").value;
    state.to = $("to").value;
    closeDrill();
    if (state.live) state.live.dispose();
    state.live = null;
    // A refused agency's error is on screen already (`load`).
    load().then(listen).catch(function () {});
  }

  // --- The figures ------------------------------------------------------
  function load() {
    $("error").hidden = true;
    var period = { a: state.agency, f: state.from, t: state.to };
    return Promise.all([
      gql(REPORT, Object.assign({ g: "AGENCY" }, period)),
      gql(REPORT, Object.assign({ g: "MONTH" }, period)),
      gql(INDEX, period),
      gql(LIST, { f: { agencyCode: state.agency, overdue: true }, o: "DUE_AT_ASC", n: 20 }),
    ]).then(function (answers) {
      state.report = answers[0].dossierReport;
      renderReport(state.report);
      renderChart($("chart-agencies"), state.report.rows.map(function (r) { return [rowLabel(r), r]; }), true);
      renderChart($("chart-months"), answers[1].dossierReport.rows.map(function (r) { return [r.month, r]; }), false);
      renderIndex(answers[2].serviceIndex);
      offerAgencies(state.report.agency.code);
      renderOverdue(answers[3].dossiers);
      document.body.setAttribute("data-loaded", String(Date.now()));
    }).catch(function (error) {
      document.body.setAttribute("data-loaded", "error");
      showError(error);
      throw error;
    });
  }

  // The chooser offers the agency shown and its units (any code may be typed).
  function offerAgencies(code) {
    gql("query($c: String!) { agency(code: $c) { code name parent { code name } children { code name } } }", { c: code }).then(function (data) {
      var list = $("agencies");
      list.textContent = "";
      var agency = data.agency;
      if (!agency) return;
      [agency.parent, agency].concat(agency.children || []).filter(Boolean).forEach(function (a) {
        list.appendChild(element("option", { value: a.code }, [a.name]));
      });
    }).catch(function () {});
  }

  function headings() {
    var span = function (text, cols, rows) { return element("th", { colspan: cols || 1, rowspan: rows || 1 }, [text]); };
    return [
      element("tr", {}, [span("STT", 1, 3), span("Đơn vị", 1, 3), span("Số hồ sơ nhận giải quyết", 7), span("Số hồ sơ đã giải quyết", 4),
        span("Số hồ sơ đang giải quyết", 3), span("Kết thúc khác", 3), span("Chuyển đi", 1, 3)]),
      element("tr", {}, [span("Tổng số", 1, 2), span("Kỳ trước chuyển qua", 1, 2), span("Mới tiếp nhận trong kỳ", 4), span("Chuyển đến", 1, 2),
        span("Tổng số", 1, 2), span("Trước hạn", 1, 2), span("Đúng hạn", 1, 2), span("Quá hạn", 1, 2),
        span("Tổng số", 1, 2), span("Trong hạn", 1, 2), span("Quá hạn", 1, 2),
        span("Rút hồ sơ", 1, 2), span("Từ chối", 1, 2), span("Dừng xử lý", 1, 2)]),
      element("tr", {}, [span("Tổng số"), span("Trực tuyến"), span("Trực tiếp"), span("Bưu chính công ích")]),
    ];
  }

  function rowLabel(row) {
    return row.own ? row.label.replace("(own dossiers)", "(hồ sơ của cơ quan)") : row.label;
  }

  function figureCell(row, rowKey, field, column, label) {
    var link = element("a", { href: "#", "data-field": field, "data-row": rowKey }, [number(row[field])]);
    link.addEventListener("click", function (event) {
      event.preventDefault();
      openDrill(Object.assign({}, row.cell, { column: column }), COLUMN_NAMES[column] + " — " + label);
    });
    return element("td", { class: "num" }, [link]);
  }

  function renderReport(report) {
    $("report-title").textContent = "Báo cáo tình hình giải quyết hồ sơ (mẫu II.06a) — " + report.agency.name;
    $("as-of").textContent = when(report.asOf);
    var table = $("report");
    table.textContent = "";
    var head = element("thead", {}, headings());
    var body = element("tbody");
    report.rows.forEach(function (row, index) {
      var label = rowLabel(row);
      var cells = [element("td", { class: "num" }, [index + 1]), element("td", {}, [label])];
      COLUMNS.forEach(function (c) { cells.push(figureCell(row, String(index), c[0], c[1], label)); });
      body.appendChild(element("tr", {}, cells));
    });
    var total = [element("td", {}, []), element("td", {}, ["Tổng cộng"])];
    COLUMNS.forEach(function (c) { total.push(figureCell(report.total, "total", c[0], c[1], "Tổng cộng")); });
    body.appendChild(element("tr", { class: "total" }, total));
    table.appendChild(head);
    table.appendChild(body);
  }

  // A bar chart (Chart.js) of the rows' received, resolved and overdue
  // dossiers; a bar opens its dossiers like the figure in the table.
  var SERIES = [["received", "RECEIVED", "Tiếp nhận", "#3b6fb6"], ["resolved", "RESOLVED", "Đã giải quyết", "#2e8b57"],
    ["pendingOverdue", "PENDING_OVERDUE", "Đang quá hạn", "#c0392b"]];
  var charts = {};

  function renderChart(container, rows, horizontal) {
    if (charts[container.id]) charts[container.id].destroy();
    var canvas = container.querySelector("canvas");
    // A bar row per unit: the chart is as tall as its rows need.
    container.style.height = (horizontal ? Math.max(160, rows.length * 26 + 60) : 280) + "px";
    charts[container.id] = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return String(r[0]).length > 32 ? String(r[0]).slice(0, 31) + "…" : r[0]; }),
        datasets: SERIES.map(function (s) {
          return { label: s[2], backgroundColor: s[3], data: rows.map(function (r) { return r[1][s[0]]; }) };
        }),
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { position: "top" } },
        scales: { x: { ticks: { precision: 0 } }, y: { ticks: { precision: 0, autoSkip: false } } },
        onClick: function (event, elements) {
          if (!elements.length) return;
          var row = rows[elements[0].index], series = SERIES[elements[0].datasetIndex];
          openDrill(Object.assign({}, row[1].cell, { column: series[1] }), COLUMN_NAMES[series[1]] + " — " + row[0]);
        },
      },
    });
    container.setAttribute("data-bars", String(rows.length * SERIES.length));
  }

  function renderIndex(index) {
    var table = $("index");
    table.textContent = "";
    table.appendChild(element("tr", {}, ["Chỉ tiêu", "Số lượng", "Trên tổng số", "Tỷ lệ", "Mục tiêu"].map(function (h) { return element("th", {}, [h]); })));
    SHARES.forEach(function (s) {
      var share = index[s[0]];
      var ratio = share.ratio === null ? "—" : (share.ratio * 100).toFixed(1) + " %";
      var met = share.ratio === null ? "" : share.ratio >= s[2] ? "good" : "bad";
      var count = function (value, column) {
        if (!column) return element("td", { class: "num" }, [number(value)]);
        var link = element("a", { href: "#", "data-share": s[0], "data-column": column }, [number(value)]);
        link.addEventListener("click", function (event) {
          event.preventDefault();
          openDrill({ agencyCode: state.agency, from: state.from, to: state.to, column: column }, COLUMN_NAMES[column]);
        });
        return element("td", { class: "num" }, [link]);
      };
      table.appendChild(element("tr", {}, [element("td", {}, [s[1]]), count(share.count, share.countColumn), count(share.base, share.baseColumn),
        element("td", { class: "num " + met }, [ratio]), element("td", { class: "num" }, ["≥ " + (s[2] * 100) + " %"])]));
    });
  }

  function dossierRows(table, edges) {
    edges.forEach(function (edge) {
      var d = edge.node;
      var code = element("a", { href: "#", "data-code": d.code }, [d.code]);
      code.addEventListener("click", function (event) { event.preventDefault(); openSlip(d.code); });
      table.appendChild(element("tr", { "data-dossier": d.code }, [element("td", {}, [code]), element("td", {}, [d.applicant.name]),
        element("td", {}, [d.procedure.name]), element("td", {}, [d.agency.name]), element("td", {}, [STATUS[d.status] || d.status]),
        element("td", { class: d.overdue ? "bad" : "" }, [when(d.dueAt)])]));
    });
  }

  function listHead(table) {
    table.appendChild(element("tr", {}, ["Mã hồ sơ", "Người nộp", "Thủ tục", "Cơ quan", "Trạng thái", "Hạn trả"].map(function (h) { return element("th", {}, [h]); })));
  }

  function renderOverdue(list) {
    var table = $("overdue");
    table.textContent = "";
    listHead(table);
    dossierRows(table, list.edges);
    if (!list.edges.length) table.appendChild(element("tr", {}, [element("td", { colspan: 6 }, ["Không có hồ sơ quá hạn."])]));
  }

  // --- From a figure to its dossiers, from a dossier to its slip -----------
  function openDrill(cell, title) {
    state.drill = { filter: { reportCell: cell }, after: null };
    $("drill-title").textContent = title;
    $("drill-list").textContent = "";
    listHead($("drill-list"));
    $("drill").hidden = false;
    $("drill-count").textContent = "…";
    more().then(function () { $("drill").scrollIntoView(); });
  }

  function more() {
    var drill = state.drill;
    return gql(LIST, { f: drill.filter, o: "RECEIVED_AT_DESC", n: 50, after: drill.after }).then(function (data) {
      $("drill-count").textContent = number(data.dossiers.totalCount);
      dossierRows($("drill-list"), data.dossiers.edges);
      drill.after = data.dossiers.pageInfo.endCursor;
      $("drill-more").hidden = !data.dossiers.pageInfo.hasNextPage;
      $("drill").setAttribute("data-complete", String(!data.dossiers.pageInfo.hasNextPage));
    }).catch(showError);
  }
  $("drill-more").addEventListener("click", more);
  $("drill-close").addEventListener("click", closeDrill);

  function closeDrill() {
    $("drill").hidden = true;
    $("slip").hidden = true;
    state.drill = null;
  }

  function openSlip(code) {
    gql(SLIP, { c: code }).then(function (data) {
      var d = data.dossier;
      $("slip-title").textContent = "Phiếu kiểm soát — " + d.code + " — " + d.applicant.name + " — " + d.procedure.name;
      var list = $("slip-events");
      list.textContent = "";
      d.events.edges.forEach(function (edge) {
        var e = edge.node;
        var who = [e.fromUser && e.fromUser.displayName, e.toAgency && e.toAgency.name].filter(Boolean).join(" → ");
        list.appendChild(element("li", {}, [element("time", {}, [when(e.createdAt)]), e.action + " · " + (STATUS[e.statusTo] || e.statusTo) + (who ? " · " + who : "") + (e.note ? " — " + e.note : "")]));
      });
      $("slip").hidden = false;
      $("slip").scrollIntoView();
    }).catch(showError);
  }

  // --- The files ----------------------------------------------------------
  function download(kind) {
    var query = "agencyCode=" + encodeURIComponent(state.agency) + "&from=" + state.from + "&to=" + state.to;
    fetch("/reports/dossier-report." + kind + "?" + query, { headers: { authorization: "Bearer " + state.token } })
      .then(function (response) {
        if (!response.ok) return response.json().then(function (body) { throw Object.assign(new Error(body.errors[0].message), { code: body.errors[0].extensions.code }); });
        return response.blob();
      })
      .then(function (blob) {
        var link = element("a", { href: URL.createObjectURL(blob), download: "bao-cao-II06a-" + state.agency + "-" + state.from + "-" + state.to + "." + kind });
        document.body.appendChild(link);
        link.click();
        link.remove();
      }).catch(showError);
  }
  $("download-xlsx").addEventListener("click", function () { download("xlsx"); });
  $("download-csv").addEventListener("click", function () { download("csv"); });

  // --- Live figures -------------------------------------------------------
  function listen() {
    if (state.live) state.live.dispose();
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graphql/ws";
    var client = window.graphqlWs.createClient({ url: url, connectionParams: { Authorization: "Bearer " + state.token } });
    var agency = state.agency;
    var stop = client.subscribe(
      { query: "subscription($a: String!) { reportChanged(agencyCode: $a) { changes at } }", variables: { a: agency } },
      {
        next: function () {
          $("live").textContent = "Cập nhật lúc " + when(new Date().toISOString());
          if (agency === state.agency) load().catch(function () {});
        },
        error: function () { $("live").textContent = "Mất kết nối cập nhật trực tiếp."; },
        complete: function () {},
      }
    );
    $("live").textContent = "Đang theo dõi thay đổi";
    state.live = { dispose: function () { stop(); client.dispose(); } };
  }
})();
