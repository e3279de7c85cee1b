//! The agency dashboard at `/dashboard` (Vietnamese): the II.06a report and
//! the service index of an agency over a period, every figure a link to its
//! dossiers (`reportCell`), every dossier to its slip, the overdue dossiers
//! soonest due first, the files, and figures that move when the desks work
//! (`reportChanged`). Everything it shows comes from the public GraphQL API;
//! its script and style are served by the binary (`/dashboard/{asset}`), so
//! it doubles as the example dashboard for third-party developers. Charts:
//! Chart.js, vendored (`api/assets/dashboard/LICENSES.txt`).

use super::playground::{asset_response, demo_officials_json, page_response};
use super::HttpState;
use axum::extract::{Path, State};
use axum::response::Response;
use std::sync::Arc;

/// The dashboard's files, served as they are.
const ASSETS: &[(&str, &str, &[u8])] = &[
    ("dashboard.js", "text/javascript", include_bytes!("../../assets/dashboard/dashboard.js")),
    ("dashboard.css", "text/css", include_bytes!("../../assets/dashboard/dashboard.css")),
    ("chart.umd.min.js", "text/javascript", include_bytes!("../../assets/dashboard/chart.umd.min.js")),
    ("LICENSES.txt", "text/plain; charset=utf-8", include_bytes!("../../assets/dashboard/LICENSES.txt")),
];

pub(super) async fn page(State(state): State<Arc<HttpState>>) -> Response {
    let officials = demo_officials_json(&state);
    let html = format!(
        r#"<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bảng điều khiển — tình hình giải quyết hồ sơ</title>
<link rel="stylesheet" href="/dashboard/dashboard.css">
</head>
<body>
<header>
  <h1>Tình hình giải quyết thủ tục hành chính</h1>
  <form id="sign-in">
    <label id="demo-choice" hidden>Dữ liệu mẫu — đăng nhập là
      <select id="demo-official"><option value="">(chọn cán bộ)</option></select></label>
    <label>Mã truy cập (token) <input id="token" type="password" autocomplete="off" size="18"></label>
    <button type="submit">Đăng nhập</button>
    <span id="who" data-testid="who"></span>
  </form>
</header>
<main hidden id="main">
  <form id="choose">
    <label>Cơ quan (mã) <input id="agency" size="10" list="agencies" required></label>
    <datalist id="agencies"></datalist>
    <label>Từ ngày <input id="from" type="date" required></label>
    <label>Đến ngày <input id="to" type="date" required></label>
    <button type="submit">Xem</button>
    <button type="button" id="download-xlsx">Tải XLSX</button>
    <button type="button" id="download-csv">Tải CSV</button>
    <span id="live" class="live" title="Số liệu tự cập nhật khi hồ sơ thay đổi"></span>
  </form>
  <p id="error" class="error" role="alert" hidden></p>
  <section>
    <h2 id="report-title">Báo cáo tình hình giải quyết hồ sơ (mẫu II.06a)</h2>
    <p class="note">Bấm vào một số liệu để xem các hồ sơ được đếm. Số liệu tính đến <span id="as-of"></span>.</p>
    <div class="scroll"><table id="report" data-testid="report"></table></div>
  </section>
  <section class="two">
    <div>
      <h2>Theo cơ quan</h2>
      <div id="chart-agencies" class="chart" data-testid="chart-agencies"><canvas></canvas></div>
    </div>
    <div>
      <h2>Theo tháng</h2>
      <div id="chart-months" class="chart" data-testid="chart-months"><canvas></canvas></div>
    </div>
  </section>
  <section>
    <h2>Bộ chỉ số phục vụ (Quyết định 766/QĐ-TTg)</h2>
    <table id="index" data-testid="index"></table>
  </section>
  <section>
    <h2>Hồ sơ quá hạn đang giải quyết (sắp xếp theo hạn)</h2>
    <table id="overdue" data-testid="overdue"></table>
  </section>
  <section id="drill" hidden>
    <h2 id="drill-title"></h2>
    <p><span id="drill-count" data-testid="drill-count"></span> hồ sơ <button type="button" id="drill-close">Đóng</button></p>
    <table id="drill-list" data-testid="drill-list"></table>
    <button type="button" id="drill-more" hidden>Xem thêm</button>
  </section>
  <section id="slip" hidden>
    <h2 id="slip-title"></h2>
    <ol id="slip-events" class="timeline" data-testid="slip"></ol>
  </section>
</main>
<script type="application/json" id="demo-officials">{officials}</script>
<script src="/playground/graphql-ws.min.js"></script>
<script src="/dashboard/chart.umd.min.js"></script>
<script src="/dashboard/dashboard.js"></script>
</body>
</html>
"#
    );
    page_response(html)
}

/// Revalidated at every load (`max-age=0`): the dashboard changes with the binary.
pub(super) async fn asset(Path(name): Path<String>) -> Response {
    asset_response(ASSETS, &name, 0, "dashboard")
}
