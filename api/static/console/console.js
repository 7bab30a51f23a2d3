// The batch-job page: follow the job's progress until it ends, then show its results.
"use strict";
(function () {
  const job = document.getElementById("job");
  if (!job || job.dataset.status !== "running") return;
  const bar = document.getElementById("job-bar");
  const status = document.getElementById("job-status");
  async function poll() {
    let body;
    try {
      const answer = await fetch(job.dataset.progressUrl, { credentials: "same-origin" });
      if (!answer.ok) {
        status.textContent = "Progress is not available (" + answer.status + "); reload the page.";
        return;
      }
      body = await answer.json();
    } catch (err) {
      status.textContent = "Lost touch with the server; retrying.";
      setTimeout(poll, 3000);
      return;
    }
    bar.max = body.total;
    bar.value = body.done;
    bar.textContent = body.done + " of " + body.total;
    status.textContent = body.done + " of " + body.total + " written, " + body.passed +
      " passed the checks, " + body.errors + " failed · " + body.status;
    if (body.status === "running") setTimeout(poll, 1000);
    else window.location.reload();
  }
  setTimeout(poll, 1000);
})();
