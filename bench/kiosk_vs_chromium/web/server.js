// A tiny static server for the SurveyJS side of the kiosk-vs-Chromium benchmark. Listens on 127.0.0.1 on
// a free port and prints {"port": N} as its first stdout line; then one JSON line per POST /report, with
// "received_monotonic" (seconds, CLOCK_MONOTONIC: node's hrtime). Serves only index.html, report.js, the
// survey as /survey.js, and the SurveyJS files under /lib/. Stops by itself when its stdin closes (the
// benchmark holds the other end, so it cannot outlive it) or after --max-seconds (default 1800).
"use strict";
const http = require("http");
const fs = require("fs");
const path = require("path");

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const surveyFile = option("--survey", path.join(__dirname, "../../../assets/surveys/digital-kompetence.json"));
const maxSeconds = Number(option("--max-seconds", "1800"));
const modules = path.join(__dirname, "node_modules");

const surveyJs = "window.svarboksSurvey = " + JSON.stringify(JSON.parse(fs.readFileSync(surveyFile, "utf8"))) + ";\n";
const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8" };
const libFiles = new Set([
  "survey-core/survey-core.fontless.min.css",
  "survey-core/survey.core.min.js",
  "survey-core/i18n/danish.min.js",
  "survey-js-ui/survey-js-ui.min.js",
]);

function reply(res, status, type, body) {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://127.0.0.1");
  if (req.method === "POST" && url.pathname === "/report") {
    const received = Number(process.hrtime.bigint()) / 1e9;
    let body = "";
    req.on("data", (chunk) => { body += chunk; });
    req.on("end", () => {
      let report;
      try { report = JSON.parse(body); } catch { report = { error: "bad json" }; }
      report.received_monotonic = received;
      process.stdout.write(JSON.stringify({ report }) + "\n");
      reply(res, 204, "text/plain", "");
    });
    return;
  }
  if (req.method !== "GET") return reply(res, 405, "text/plain", "method not allowed\n");
  let file = null;
  if (url.pathname === "/" || url.pathname === "/index.html") file = path.join(__dirname, "index.html");
  else if (url.pathname === "/report.js") file = path.join(__dirname, "report.js");
  else if (url.pathname === "/survey.js") return reply(res, 200, types[".js"], surveyJs);
  else if (url.pathname.startsWith("/lib/") && libFiles.has(url.pathname.slice(5))) file = path.join(modules, url.pathname.slice(5));
  if (!file) return reply(res, 404, "text/plain", "not found\n");
  fs.readFile(file, (err, data) => {
    if (err) return reply(res, 500, "text/plain", String(err) + "\n");
    reply(res, 200, types[path.extname(file)] || "application/octet-stream", data);
  });
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
});
const stop = () => process.exit(0);
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
setTimeout(stop, maxSeconds * 1000).unref();
