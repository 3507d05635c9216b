// The dashboard's one stylesheet, served at /static/dashboard.css (the Content-Security-Policy allows
// styles from this origin only, and no inline style). System fonts only: nothing is fetched from outside.
// Text colours have at least 4.5:1 contrast on their backgrounds; the print rules make the unit page a
// report for the unit's leader, and an enrolment code's page a sheet for IT.
#include <string_view>

namespace svarboks::server::dashboard {

extern const std::string_view kStylesheet;

const std::string_view kStylesheet = R"css(
:root { --ink: #1a1a1a; --muted: #4a4a4a; --line: #c9ced6; --soft: #f4f5f7; --brand: #1e3a8a; --link: #1a4f8a; --hidden: #5a3d00; }
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; font-size: 16px; line-height: 1.45; color: var(--ink); background: #ffffff; }
body { margin: 0; }
a { color: var(--link); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #b35900; outline-offset: 2px; }
code { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size: 0.9em; }
.skip { position: absolute; left: -9999px; top: 0; background: #ffffff; padding: 0.5rem 1rem; }
.skip:focus { left: 0.5rem; z-index: 10; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }

.top { background: var(--brand); color: #ffffff; }
.top-inner { max-width: 1200px; margin: 0 auto; padding: 0.5rem 1.25rem; display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1.5rem; }
.brand { color: #ffffff; font-weight: 700; font-size: 1.2rem; text-decoration: none; letter-spacing: 0.02em; }
.top nav ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 0.25rem 1.1rem; }
.top nav a { color: #ffffff; text-decoration: none; padding: 0.35rem 0; border-bottom: 3px solid transparent; display: inline-block; }
.top nav a:hover { border-bottom-color: #c7d2fe; }
.top nav a[aria-current="page"] { border-bottom-color: #ffffff; font-weight: 600; }
.account { margin-left: auto; display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1rem; font-size: 0.95rem; }
.account a { color: #ffffff; }
.account .logout { margin: 0; }
.account button { background: transparent; color: #ffffff; border: 1px solid #ffffff; border-radius: 4px; padding: 0.25rem 0.75rem; font: inherit; cursor: pointer; }
.account button:hover { background: #ffffff; color: var(--brand); }

main { max-width: 1200px; margin: 0 auto; padding: 1rem 1.25rem 2rem; }
h1 { font-size: 1.75rem; margin: 0.75rem 0 0.5rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 0.5rem; padding-top: 0.5rem; border-top: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.25rem 0 0.25rem; }
p { max-width: 75ch; }
.note, .hint, .meta, .survey-line { color: var(--muted); }
.message { padding: 0.75rem 1rem; background: var(--soft); border-left: 4px solid var(--brand); }
.message.error { border-left-color: #b91c1c; background: #fdf2f2; }

.filters { margin: 1rem 0; }
.filters fieldset { border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem 1rem 0.9rem; margin: 0 0 0.75rem; display: flex; flex-wrap: wrap; gap: 0.75rem 1.25rem; align-items: flex-end; }
.filters legend { font-weight: 600; padding: 0 0.3rem; }
.field { display: flex; flex-direction: column; gap: 0.2rem; }
.field label { font-size: 0.9rem; color: var(--muted); }
input, select { font: inherit; color: var(--ink); background: #ffffff; border: 1px solid #767676; border-radius: 4px; padding: 0.35rem 0.5rem; min-height: 2.3rem; max-width: 100%; }
button { font: inherit; }
.filters button, .login-form button { background: var(--brand); color: #ffffff; border: 0; border-radius: 4px; padding: 0.5rem 1.25rem; min-height: 2.3rem; cursor: pointer; }
.filters button:hover, .login-form button:hover { background: #16306f; }

.stats ul { list-style: none; padding: 0; margin: 1rem 0; display: flex; flex-wrap: wrap; gap: 0.75rem; }
.stats li { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 0.6rem 1rem; min-width: 10rem; }
.stats a { text-decoration: none; color: inherit; display: block; }
.stat-value { display: block; font-size: 1.6rem; font-weight: 700; color: var(--brand); }
.stat-label { color: var(--muted); }

.table-wrap { overflow-x: auto; margin: 0.5rem 0 1rem; }
table.data { border-collapse: collapse; font-size: 0.95rem; min-width: 20rem; }
table.data caption { text-align: left; font-weight: 600; padding: 0.25rem 0; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 0.35rem 0.6rem; text-align: left; vertical-align: top; }
table.data thead th { background: var(--soft); font-weight: 600; border-bottom: 2px solid #8a8f98; }
table.data .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.data tbody th { font-weight: 500; }
.participation .week .year { display: block; font-size: 0.75rem; font-weight: 400; color: var(--muted); }
.participation .row-total th, .participation .row-total td { font-weight: 700; background: #e8ecf4; }
.participation .row-group th, .participation .row-group td { font-weight: 600; background: var(--soft); }
.participation .row-unit th { padding-left: 1.5rem; font-weight: 400; }
.participation .unit-total { font-weight: 600; }
.participation .no-weeks { background: transparent; }
.hidden-cell, .hidden-word { color: var(--hidden); font-style: italic; font-size: 0.88em; }
.hidden-cell { background: repeating-linear-gradient(135deg, #ffffff 0 6px, #f3efe6 6px 12px); }
.share { color: var(--muted); }

.chart-figure { margin: 0.75rem 0; max-width: 760px; }
.chart { width: 100%; height: auto; display: block; }
.chart text { font-size: 13px; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
.chart .category { font-size: 14px; font-weight: 600; }
.chart .tick { font-size: 12px; }
.chart .legend { font-size: 13px; }
.chart .value.inverse { font-weight: 600; }
.chart .hidden-label { font-style: italic; }
.distribution { width: 100%; max-width: 760px; min-width: 0; }
.distribution .bar-col { width: 26%; }
.minibar { width: 100%; height: 0.8rem; display: block; margin-top: 0.25rem; }
.questions { display: grid; grid-template-columns: repeat(auto-fill, minmax(26rem, 1fr)); gap: 0 2.5rem; }
.question { break-inside: avoid; min-width: 0; }
.question h3 { min-height: 2.9em; }
.answered { margin: 0 0 0.25rem; color: var(--muted); }

.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; margin: 0.5rem 0; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.survey .version { font-weight: 400; color: var(--muted); font-size: 0.9em; }
.consent { background: var(--soft); border-left: 4px solid var(--line); padding: 0.25rem 1rem; max-width: 80ch; }
.dead-letters td:first-child { white-space: nowrap; }
.dead-letters td:last-child { overflow-wrap: anywhere; }
.downloads li { margin: 0.3rem 0; }

.login { max-width: 28rem; margin: 2rem auto; }
.login-form { display: flex; flex-direction: column; gap: 0.9rem; margin-top: 1rem; }
.login-form input { width: 100%; }

.legend { max-width: 1200px; margin: 0 auto; padding: 0.5rem 1.25rem 2rem; color: var(--muted); font-size: 0.95rem; }
.legend h2 { font-size: 1.05rem; }
.legend dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.3rem 1rem; margin: 0; }
.legend dd { margin: 0; max-width: 80ch; }

/* the Administration area (admin_*.cpp) and its printable enrolment sheet */
.admin-nav ul { list-style: none; margin: 0.5rem 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 0.25rem 1.25rem; border-bottom: 1px solid var(--line); }
.admin-nav a { display: inline-block; padding: 0.35rem 0; text-decoration: none; border-bottom: 3px solid transparent; }
.admin-nav a[aria-current="page"] { border-bottom-color: var(--brand); font-weight: 600; color: var(--ink); }
.admin-form { margin: 0.5rem 0 1rem; }
.admin-form fieldset { border: 0; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 0.75rem 1.25rem; align-items: flex-start; }
.admin-form .field { max-width: 24rem; margin-bottom: 0.5rem; }
.admin-form .field-button { padding-top: 1.55rem; }
.admin-form .hint, .field-error { font-size: 0.85rem; margin: 0.1rem 0 0; }
.field-error { color: #b91c1c; font-weight: 600; }
input[aria-invalid="true"], select[aria-invalid="true"] { border: 2px solid #b91c1c; }
.admin-form button, a.button { background: var(--brand); color: #ffffff; border: 0; border-radius: 4px; padding: 0.5rem 1.25rem; min-height: 2.3rem; cursor: pointer; text-decoration: none; display: inline-block; }
.admin-form button.danger, a.button.danger { background: #b91c1c; }
.confirm .actions { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; }
tr.retired, tr.revoked { color: var(--muted); }
.admin-form fieldset.scope, .admin-form fieldset.password-choice { display: block; flex-basis: 100%; }
.admin-form fieldset.scope legend, .admin-form fieldset.password-choice legend { font-weight: 600; padding: 0; }
.admin-form fieldset.scope p, .admin-form fieldset.password-choice p { margin: 0.3rem 0; }
.admin-form.inline { margin: 0.25rem 0 1rem; }
.password-form fieldset { flex-direction: column; }
.sheet .code { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size: 1.6rem; letter-spacing: 0.08em; }
.sheet-top { display: flex; flex-wrap: wrap; gap: 1rem 3rem; align-items: flex-start; }
.qr-figure { margin: 0; text-align: center; color: var(--muted); }
.qr { width: 14rem; height: 14rem; display: block; }
.steps li { margin: 0.3rem 0; max-width: 75ch; }
pre { background: var(--soft); padding: 0.5rem 0.75rem; overflow-x: auto; }

.print-head { display: none; }

@media (max-width: 640px) {
  .account { margin-left: 0; }
  h1 { font-size: 1.45rem; }
}

@media print {
  @page { margin: 16mm 14mm; }
  html { font-size: 11pt; }
  .top, .skip, .filters, .screen-only, .downloads { display: none !important; }
  main, .legend { max-width: none; padding: 0; }
  .print-head { display: block; border-bottom: 2px solid #000000; margin-bottom: 0.5rem; }
  .print-head p { margin: 0.15rem 0; max-width: none; }
  .print-title { font-size: 1.3rem; font-weight: 700; }
  .report-section { break-before: page; }
  .report-section:first-of-type { break-before: auto; }
  h2 { border-top: 0; }
  a { color: inherit; text-decoration: none; }
  .table-wrap { overflow: visible; }
  .chart-figure, table.data, .question { break-inside: avoid; }
  .questions { display: block; }
  .question h3 { min-height: 0; }
  .hidden-cell { background: none; }
  .admin-nav { display: none !important; }
  .sheet .qr { width: 60mm; height: 60mm; }
  pre { background: none; border: 1px solid #000000; }
}
)css";

}  // namespace svarboks::server::dashboard
