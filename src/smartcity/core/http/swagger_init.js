// Starts Swagger UI on /api/docs; kept in a file because our CSP forbids inline scripts.
window.addEventListener("load", function () {
  var element = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: element.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // no badge fetched from swagger.io: nothing leaves for a third party
  });
});
