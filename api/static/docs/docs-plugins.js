// Shopagent's Swagger UI plugin for /docs, loaded after swagger-ui-bundle.js.
//
// Swagger UI draws each operation's path as a deep link (<a href="#/tag/operation">) inside
// the <button> that opens the operation: a link inside a button, which keyboard and screen
// reader users cannot reach on its own (axe-core: nested-interactive). Here the path in that
// summary is drawn without its link. Deep linking itself stays on: opening an operation
// still writes its #/tag/operation into the address bar, and such an address still opens it;
// the tags' own links are untouched.
window.ShopagentDocsPlugins = [
  function plainSummaryPath() {
    return {
      wrapComponents: {
        OperationSummaryPath: function (Original, system) {
          return function (props) {
            var unlinked = props.operationProps.set("isDeepLinkingEnabled", false);
            return system.React.createElement(
              Original,
              Object.assign({}, props, { operationProps: unlinked })
            );
          };
        },
      },
    };
  },
];
