// Starts Swagger UI on the OpenAPI document this worker serves (loaded by GET /api/v1/docs).
// A separate file, not an inline script, so the page's Content-Security-Policy can forbid inline scripts.
window.ui = window.SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#docs",
  deepLinking: true,
  displayOperationId: true,
  defaultModelsExpandDepth: 0,
  tryItOutEnabled: false,
});
