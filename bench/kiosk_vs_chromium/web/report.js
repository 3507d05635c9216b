// Tells the benchmark when the first screen was painted: first-contentful-paint (and first-paint and the
// latest largest-contentful-paint candidate) as Chromium measured them, once the survey has rendered and
// a frame has gone by. One POST to /report; server.js prints it with its own CLOCK_MONOTONIC receipt time.
(function () {
  const paint = {};
  let rendered = null;
  let sent = false;
  function send() {
    if (sent || rendered === null || paint["first-contentful-paint"] === undefined) return;
    sent = true;
    // Wait for the LCP candidate of the survey frame to be reported (it may come one frame later).
    setTimeout(() => {
      const body = JSON.stringify({
        timeOrigin: performance.timeOrigin,
        fp: paint["first-paint"],
        fcp: paint["first-contentful-paint"],
        lcp: paint["largest-contentful-paint"],
        rendered: rendered,
        now: performance.now(),
        userAgent: navigator.userAgent,
      });
      fetch("/report", { method: "POST", body: body, headers: { "content-type": "application/json" } });
    }, 100);
  }
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) paint[entry.name] = entry.startTime;
    send();
  }).observe({ type: "paint", buffered: true });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) paint["largest-contentful-paint"] = entry.startTime;
  }).observe({ type: "largest-contentful-paint", buffered: true });
  window.svarboksRendered = function () {
    requestAnimationFrame(() => setTimeout(() => {
      rendered = performance.now();
      send();
    }, 0));
  };
})();
