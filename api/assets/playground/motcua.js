// The motcua playground: GraphiQL over /graphql and /graphql/ws, with the
// demo officials one click away when the server runs on demo data.
(function () {
  "use strict";
  var officials = JSON.parse(document.getElementById("demo-officials").textContent || "[]");
  var firstQuery = document.getElementById("first-query").textContent;
  var chosen = { authorization: null };
  var wsUrl = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graphql/ws";

  function headersFor(official) {
    return official ? JSON.stringify({ Authorization: "Bearer " + official.token }, null, 2) : "";
  }

  function fetcherFor(official) {
    chosen.authorization = official ? "Bearer " + official.token : null;
    var wsClient = window.graphqlWs.createClient({
      url: wsUrl,
      lazy: true,
      connectionParams: function () {
        return chosen.authorization ? { Authorization: chosen.authorization } : {};
      },
    });
    return GraphiQL.createFetcher({ url: "/graphql", wsClient: wsClient });
  }

  function render(official) {
    var element = React.createElement(GraphiQL, {
      key: official ? official.username : "anonymous",
      fetcher: fetcherFor(official),
      defaultQuery: firstQuery,
      headers: headersFor(official),
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: official ? "headers" : false,
    });
    root.render(element);
  }

  var bar = document.getElementById("demo-bar");
  if (officials.length > 0) {
    var select = document.getElementById("demo-official");
    officials.forEach(function (official) {
      var option = document.createElement("option");
      option.value = official.username;
      option.textContent = official.username + " — " + official.role + ", " + official.agency;
      select.appendChild(option);
    });
    select.addEventListener("change", function () {
      var official = officials.find(function (o) { return o.username === select.value; }) || null;
      render(official);
    });
    bar.hidden = false;
  }
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  render(null);
})();
