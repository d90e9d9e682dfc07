// The worker's ticket page (templates/tickets/mobile/task_detail.html): the step a button
// takes decides what must be filled in, so the browser asks for a missing note or reason
// before sending the photos. Without this script the server says what is missing.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("task-step");
  if (!form) return;
  const note = form.querySelector("textarea[name=note]");
  form.querySelectorAll("button[name=action]").forEach((button) => {
    button.addEventListener("click", () => {
      note.required = button.dataset.needsNote === "true";
      form.querySelectorAll("[data-step-field]").forEach((field) => {
        field.required = field.dataset.stepField === button.value;
      });
    });
  });
});
