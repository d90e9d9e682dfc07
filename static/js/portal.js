// gridportal's own behaviour. No inline script anywhere: the Content-Security-Policy forbids it.
document.addEventListener("DOMContentLoaded", () => {
  // Forms whose select should submit on change (the language switcher).
  document.querySelectorAll("select.js-autosubmit").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
  // htmx requests carry the CSRF token from the cookie-less template token.
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) {
    document.body.addEventListener("htmx:configRequest", (event) => {
      event.detail.headers["X-CSRFToken"] = token.value;
    });
  }
});
