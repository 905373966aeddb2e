// Starts Swagger UI on /docs. A file of its own: the page's Content-Security-Policy allows no inline script.
"use strict";
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  // No document from elsewhere (?url= / ?configUrl=), no calls to the public validator, and an
  // admin token typed into "Authorize" stays in this page's memory, never in localStorage.
  queryConfigEnabled: false,
  validatorUrl: null,
  persistAuthorization: false
});
