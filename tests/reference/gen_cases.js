#!/usr/bin/env node
// Differential case generator: random (survey, answers) pairs inside the Svarboks subset of
// SurveyJS, with what survey-core (the behaviour reference, see package.json) says about them.
//
//   node gen_cases.js --count 2500 --seed 1 --out cases.jsonl
//
// Output: one JSON object per line:
//   {"id": n, "features": [...], "survey": {...}, "answers": {...},
//    "expected": {"elements": [{"name", "visible", "enabled", "required", "valid"}, ...], "valid": bool}}
//
// Recorded per element (survey order, html elements included):
//   visible  = q.isVisible && q.isParentVisible. NOTE: survey-core's q.isVisible ignores the page,
//              a question on a page whose visibleIf is false still says isVisible === true; the page
//              is what hides it, so we fold the page visibility in.
//   enabled  = !q.isReadOnly   (enableIf sets readOnly only when it evaluates to exactly `false`)
//   required = q.isRequired    (requiredIf overwrites isRequired; html is always false)
//   valid    = !q.hasErrors(false) for visible questions (survey-core's own rules: read-only
//              questions are never validated), AND the contract rules of withinContract()
//              (maxSelectedChoices, "none" alone, min/max also while disabled) that hasErrors()
//              does not report; true for invisible ones and for html.
// Overall valid (CONTRACT CHOICE): every visible question valid AND no answer given to an invisible
// question ("given" = the key is present in `answers`). survey-core alone would accept answers to
// hidden questions (clearInvisibleValues defaults to "onComplete"); the kiosk refuses them.
//
// Deterministic for a given --seed/--count (own PRNG per survey, no Date/Math.random), and the same
// for any --jobs (default: 2 worker threads if the machine has 2 CPUs). Only survey-core is used.
// Two consecutive cases share one survey (different answers), see ANSWER_SETS.
//
// Feature tags (a case carries a tag if its survey/answers contain the construct):
//   expression constructs: compare-number, compare-numeric-string, compare-string, compare-boolean,
//     compare-boolean-coerce ('true' / 1 / 0 against a boolean), relational, word-operator,
//     keyword-case, symbol-logic (&& ||), and, or, nested-logic (parentheses), precedence-no-parens,
//     negation (!), negate-keyword, negate-precedence (`!{q} = x`, which is `(!{q}) = x`),
//     bare-variable (`{q}` used as a boolean), empty, notempty, contains, notcontains, anyof,
//     allof, substring (contains/allof on a scalar = substring test), array-literal,
//     array-equality, array-scalar-compare, string-case, double-quote, none-in-expression,
//     forward-reference (refers to a later question), ref-<type> (refers to a question of that type)
//   survey: visibleIf, enableIf, requiredIf, isRequired, isRequired-with-requiredIf, page-visibleIf,
//     showNoneItem, maxSelectedChoices, minmax, html, number-choice, numeric-string-choice
//   answers/outcome: unanswered, hidden-answer (an invisible question has an answer -> overall
//     invalid), out-of-range, max-exceeded, none-answer, none-with-others, decimal-answer,
//     hidden-element, disabled-element, invalid-element, question-on-hidden-page,
//     requiredIf-overrides-isRequired, readonly-required-empty
// Note: survey-core's hasErrors() does NOT flag max-exceeded and none-with-others; the expected
// values add them as contract rules (withinContract), so those tagged cases test our stricter rules.
"use strict";

const fs = require("fs");
const path = require("path");

let VERIFY = false;
let verifyMismatches = 0;
const SC = require(path.join(__dirname, "node_modules", "survey-core", "survey.core.js"));
// survey-core warns on the console for some inputs; keep stdout/stderr clean.
console.warn = () => {};

// ---------------------------------------------------------------- arguments
function parseArgs(argv) {
  const a = { count: 100, seed: 1, out: null, jobs: Math.min(2, require("os").cpus().length || 1) };
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    if (k === "--count") { a.count = parseInt(v, 10); i++; }
    else if (k === "--seed") { a.seed = parseInt(v, 10); i++; }
    else if (k === "--out") { a.out = v; i++; }
    else if (k === "--verify") { VERIFY = true; }
    else if (k === "--jobs") { a.jobs = parseInt(v, 10); i++; }
    else if (k === "--help" || k === "-h") {
      process.stderr.write("usage: node gen_cases.js [--count N] [--seed S] [--out FILE] [--jobs J] [--verify]\n");
      process.exit(0);
    } else {
      process.stderr.write("unknown argument: " + k + "\n");
      process.exit(2);
    }
  }
  if (!(a.count >= 0) || !Number.isFinite(a.seed) || !(a.jobs >= 1)) {
    process.stderr.write("bad --count/--seed\n");
    process.exit(2);
  }
  return a;
}

// ---------------------------------------------------------------- PRNG (mulberry32)
function makeRng(seed) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r = {
    f: next,
    chance: (p) => next() < p,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), // inclusive
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    shuffle: (arr) => {
      const a = arr.slice();
      for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const t = a[i]; a[i] = a[j]; a[j] = t;
      }
      return a;
    },
    subset: (arr, min, max) => {
      const a = r.shuffle(arr);
      const n = Math.min(a.length, r.int(min, Math.min(max, a.length)));
      return a.slice(0, n);
    },
    weighted: (pairs) => { // [[weight, value], ...]
      let tot = 0;
      for (const p of pairs) tot += p[0];
      let x = next() * tot;
      for (const p of pairs) { x -= p[0]; if (x < 0) return p[1]; }
      return pairs[pairs.length - 1][1];
    },
  };
  return r;
}

// ---------------------------------------------------------------- value pools
// Choice values: strings, numbers, numeric strings. A choice list never holds two values that
// survey-core would consider equal (1 and "1", "yes" and "Yes"), so answers are unambiguous.
const STRING_POOL = ["red", "green", "blue", "re", "x", "xy", "Yes", "no", "maybe", "A", "b"];
const NUMBER_POOL = [0, 1, 2, 3, 5, 10, -1, 2.5, 7];
const NUMSTR_POOL = ["0", "1", "2", "3", "10", "01", "2.5", "5", "-1"];
const NONE = "none";

function choiceKey(v) {
  // equivalence class under survey-core's loose comparisons
  if (typeof v === "number") return "n:" + v;
  const t = v.trim();
  if (t !== "" && !isNaN(Number(t))) return "n:" + Number(t);
  return "s:" + t.toLowerCase();
}

function isNumericStr(v) { return typeof v === "string" && v.trim() !== "" && !isNaN(Number(v)); }

// ---------------------------------------------------------------- survey generation
function genChoices(rng, feat) {
  const n = rng.int(2, 5);
  const mode = rng.weighted([[3, "str"], [2, "num"], [2, "numstr"], [3, "mixed"]]);
  const out = [];
  const seen = new Set();
  let guard = 0;
  while (out.length < n && guard++ < 100) {
    let v;
    const m = mode === "mixed" ? rng.pick(["str", "num", "numstr"]) : mode;
    if (m === "str") v = rng.pick(STRING_POOL);
    else if (m === "num") v = rng.pick(NUMBER_POOL);
    else v = rng.pick(NUMSTR_POOL);
    const k = choiceKey(v);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(v);
  }
  if (out.some(isNumericStr)) feat.add("numeric-string-choice");
  if (out.some((v) => typeof v === "number")) feat.add("number-choice");
  return out;
}

function renderChoices(rng, values) {
  if (rng.chance(0.5)) return values.slice();
  return values.map((v) => (rng.chance(0.6) ? { value: v, text: "Option " + String(v) } : v));
}

function genElement(rng, idx, feat) {
  const name = "q" + idx;
  const type = rng.weighted([[1, "html"], [3, "rating"], [4, "radiogroup"], [4, "checkbox"], [3, "boolean"], [3, "number"]]);
  const el = { type: type === "number" ? "text" : type, name };
  const meta = { name, kind: type, el };
  if (type === "html") {
    el.html = "<p>Information " + idx + "</p>";
    feat.add("html");
    return meta;
  }
  el.title = "Question " + idx;
  if (type === "rating") {
    if (rng.chance(0.25)) {
      const vals = rng.subset([0, 1, 2, 3, 4, 5, 6, 8, 10], 3, 6).sort((a, b) => a - b);
      el.rateValues = rng.chance(0.5) ? vals : vals.map((v) => ({ value: v, text: "R" + v }));
      meta.values = vals;
    } else {
      const min = rng.pick([0, 1, 1, 1, 2]);
      const step = rng.chance(0.2) ? 2 : 1;
      const max = min + step * rng.int(2, 5);
      if (min !== 1 || rng.chance(0.5)) el.rateMin = min;
      el.rateMax = max;
      if (step !== 1) el.rateStep = step;
      meta.values = [];
      for (let v = min; v <= max; v += step) meta.values.push(v);
      if (rng.chance(0.3)) { el.minRateDescription = "Low"; el.maxRateDescription = "High"; }
    }
  } else if (type === "radiogroup" || type === "checkbox") {
    meta.values = genChoices(rng, feat);
    el.choices = renderChoices(rng, meta.values);
    if (rng.chance(0.3)) { el.showNoneItem = true; meta.none = true; feat.add("showNoneItem"); }
    if (type === "checkbox" && rng.chance(0.3)) {
      el.maxSelectedChoices = rng.int(1, Math.max(1, meta.values.length - 1));
      meta.max = el.maxSelectedChoices;
      feat.add("maxSelectedChoices");
    }
  } else if (type === "boolean") {
    if (rng.chance(0.3)) { el.labelTrue = "Yes"; el.labelFalse = "No"; }
    meta.values = [true, false];
  } else { // text number
    el.inputType = "number";
    const r = rng.f();
    if (r < 0.25) { el.min = rng.pick([0, 1, -5]); }
    else if (r < 0.45) { el.max = rng.pick([10, 100, 0]); }
    else if (r < 0.75) { el.min = rng.pick([0, 1, 18]); el.max = el.min + rng.pick([5, 10, 50]); }
    if (el.min !== undefined || el.max !== undefined) feat.add("minmax");
    meta.min = el.min; meta.max = el.max;
  }
  if (rng.chance(0.3)) { el.isRequired = true; feat.add("isRequired"); }
  return meta;
}

// ---------------------------------------------------------------- expressions
// The string is what matters (survey-core is the oracle); generation is type-aware so that
// conditions are meaningful and often true.
function kw(rng, word, feat) {
  // random case variation of a keyword
  const r = rng.f();
  if (r < 0.7) return word;
  feat.add("keyword-case");
  if (r < 0.8) return word.toUpperCase();
  if (r < 0.9) return word[0].toUpperCase() + word.slice(1);
  return word.split("").map((c) => (rng.chance(0.5) ? c.toUpperCase() : c)).join("");
}

function quote(rng, s, feat) {
  if (rng.chance(0.25)) { feat.add("double-quote"); return '"' + s + '"'; }
  return "'" + s + "'";
}

function caseVariant(rng, s, feat) {
  if (!rng.chance(0.2)) return s;
  const v = rng.chance(0.5) ? s.toUpperCase() : s.toLowerCase();
  if (v !== s) feat.add("string-case");
  return v;
}

function literal(rng, v, feat, opts) {
  opts = opts || {};
  if (typeof v === "boolean") {
    const r = rng.f();
    if (opts.noCoerce || r < 0.6) return kw(rng, v ? "true" : "false", feat);
    feat.add("compare-boolean-coerce");
    if (r < 0.8) return quote(rng, v ? "true" : "false", feat);
    return v ? "1" : "0";
  }
  if (typeof v === "number") {
    if (!opts.noCoerce && rng.chance(0.25)) { feat.add("compare-numeric-string"); return quote(rng, String(v), feat); }
    feat.add("compare-number");
    return String(v);
  }
  // string
  if (isNumericStr(v)) {
    feat.add("compare-numeric-string");
    if (!opts.noCoerce && rng.chance(0.4)) {
      const n = Number(v);
      feat.add("compare-number");
      return String(n); // unquoted number against a numeric-string answer
    }
    return quote(rng, v, feat);
  }
  if (v === NONE) feat.add("none-in-expression");
  feat.add("compare-string");
  return quote(rng, caseVariant(rng, v, feat), feat);
}

const CMP = {
  eq: [["=", 5], ["==", 2], ["equal", 2]],
  ne: [["!=", 4], ["<>", 2], ["notequal", 2]],
  lt: [["<", 3], ["less", 1]],
  gt: [[">", 3], ["greater", 1]],
  le: [["<=", 3], ["lessorequal", 1]],
  ge: [[">=", 3], ["greaterorequal", 1]],
};
function cmpOp(rng, which, feat) {
  const s = rng.weighted(CMP[which].map((p) => [p[1], p[0]]));
  if (/^[a-z]/.test(s)) { feat.add("word-operator"); return kw(rng, s, feat); }
  return s;
}

function arrayLiteral(rng, vals, feat, opts) {
  feat.add("array-literal");
  return "[" + vals.map((v) => literal(rng, v, feat, opts)).join(rng.chance(0.5) ? ", " : ",") + "]";
}

function offValue(rng, meta) {
  // a value of the right kind that the question may not hold
  if (meta.kind === "boolean") return rng.chance(0.5);
  if (meta.kind === "number" || meta.kind === "rating") return rng.pick([-3, 0, 1, 4, 7, 12, 25, 2.5, 100]);
  return rng.pick(STRING_POOL.concat(NUMSTR_POOL, NUMBER_POOL));
}

function someValue(rng, meta) {
  if (meta.kind === "number") {
    const lo = meta.min !== undefined ? meta.min : -5;
    const hi = meta.max !== undefined ? meta.max : (meta.min !== undefined ? meta.min + 20 : 30);
    return rng.chance(0.8) ? rng.int(lo, hi) : offValue(rng, meta);
  }
  if (meta.none && rng.chance(0.15)) return NONE;
  return rng.chance(0.85) ? rng.pick(meta.values) : offValue(rng, meta);
}

function atom(rng, ref, feat) {
  const v = "{" + ref.name + "}";
  feat.add("ref-" + ref.kind);
  const k = ref.kind;
  const r = rng.f();
  if (k === "checkbox") {
    if (r < 0.2) { feat.add("contains"); return v + " " + kw(rng, "contains", feat) + " " + literal(rng, someValue(rng, ref), feat); }
    if (r < 0.3) { feat.add("notcontains"); return v + " " + kw(rng, "notcontains", feat) + " " + literal(rng, someValue(rng, ref), feat); }
    if (r < 0.5) { feat.add("anyof"); return v + " " + kw(rng, "anyof", feat) + " " + arrayLiteral(rng, rng.subset(ref.values.concat(ref.none ? [NONE] : []), 1, 3), feat); }
    if (r < 0.62) { feat.add("allof"); return v + " " + kw(rng, "allof", feat) + " " + arrayLiteral(rng, rng.subset(ref.values, 1, 3), feat); }
    if (r < 0.68) { feat.add("contains"); feat.add("array-literal"); return v + " " + kw(rng, rng.pick(["contains", "notcontains"]), feat) + " " + arrayLiteral(rng, rng.subset(ref.values, 1, 2), feat); }
    if (r < 0.76) { feat.add("array-equality"); return v + " " + cmpOp(rng, rng.chance(0.7) ? "eq" : "ne", feat) + " " + arrayLiteral(rng, rng.subset(ref.values, 1, 3), feat); }
    if (r < 0.88) { const e = rng.chance(0.5) ? "empty" : "notempty"; feat.add(e); return v + " " + kw(rng, e, feat); }
    if (r < 0.93) { feat.add("anyof"); feat.add("allof"); return v + " " + kw(rng, rng.pick(["anyof", "allof"]), feat) + " " + literal(rng, rng.pick(ref.values), feat); }
    if (r < 0.97) { feat.add("array-scalar-compare"); return v + " " + cmpOp(rng, rng.pick(["eq", "ne"]), feat) + " " + literal(rng, rng.pick(ref.values), feat); }
    feat.add("array-scalar-compare"); feat.add("relational");
    return v + " " + cmpOp(rng, rng.pick(["lt", "gt", "le", "ge"]), feat) + " " + rng.pick(["1", "0", "2"]);
  }
  if (k === "boolean") {
    if (r < 0.45) return v + " " + cmpOp(rng, rng.chance(0.7) ? "eq" : "ne", feat) + " " + literal(rng, rng.chance(0.5), feat) + tagB(feat);
    if (r < 0.6) { feat.add("bare-variable"); return v; }
    if (r < 0.72) { feat.add("negation"); feat.add("bare-variable"); return "!" + v; }
    if (r < 0.78) { feat.add("negate-keyword"); feat.add("bare-variable"); return kw(rng, "negate", feat) + " " + v; }
    if (r < 0.9) { const e = rng.chance(0.5) ? "empty" : "notempty"; feat.add(e); return v + " " + kw(rng, e, feat); }
    feat.add("relational");
    return v + " " + cmpOp(rng, rng.pick(["gt", "lt", "ge", "le"]), feat) + " " + literal(rng, rng.pick([true, false, 0, 1]), feat) + tagB(feat);
  }
  // scalar kinds: radiogroup, rating, number
  if (r < 0.35) return v + " " + cmpOp(rng, rng.chance(0.7) ? "eq" : "ne", feat) + " " + literal(rng, someValue(rng, ref), feat);
  if (r < 0.6) {
    feat.add("relational");
    let val = someValue(rng, ref);
    if (val === NONE || (typeof val === "string" && !isNumericStr(val) && rng.chance(0.5))) val = rng.pick([1, 2, 5, 10]);
    return v + " " + cmpOp(rng, rng.pick(["lt", "gt", "le", "ge"]), feat) + " " + literal(rng, val, feat);
  }
  if (r < 0.72) {
    feat.add("anyof");
    const pool = ref.kind === "number" ? [0, 1, 5, 10, 18, 20, -5] : ref.values.concat(ref.none ? [NONE] : []);
    return v + " " + kw(rng, "anyof", feat) + " " + arrayLiteral(rng, rng.subset(pool, 1, 3), feat);
  }
  if (r < 0.82) { const e = rng.chance(0.5) ? "empty" : "notempty"; feat.add(e); return v + " " + kw(rng, e, feat); }
  if (r < 0.88) {
    // string-substring semantics of contains on scalars
    feat.add("substring");
    const op = rng.pick(["contains", "notcontains", "allof"]);
    feat.add(op);
    let val = someValue(rng, ref);
    if (typeof val === "string" && val.length > 1 && rng.chance(0.5)) val = val.slice(0, 1);
    if (val === "" || val === 0) val = 1;
    return v + " " + kw(rng, op, feat) + " " + literal(rng, val, feat);
  }
  if (r < 0.94) {
    // precedence trap: !{q} = x  is  (!{q}) = x
    feat.add("negation"); feat.add("negate-precedence");
    return "!" + v + " " + cmpOp(rng, "eq", feat) + " " + literal(rng, rng.pick([true, false, someValue(rng, ref)]), feat);
  }
  feat.add("bare-variable");
  if (rng.chance(0.5)) { feat.add("negation"); return "!" + v; }
  return v;
}
function tagB(feat) { feat.add("compare-boolean"); return ""; }

function genExpr(rng, refs, depth, feat, selfIdx, allMeta) {
  const pickRef = () => {
    const ref = rng.pick(refs);
    if (ref.idx > selfIdx) feat.add("forward-reference");
    return ref;
  };
  if (depth <= 0 || rng.chance(0.45)) return atom(rng, pickRef(), feat);
  const n = rng.chance(0.75) ? 2 : 3;
  const parts = [];
  for (let i = 0; i < n; i++) {
    let s = genExpr(rng, refs, depth - 1, feat, selfIdx, allMeta);
    if (/ (and|or|&&|\|\|) /i.test(s) || rng.chance(0.1)) {
      if (rng.chance(0.85)) { s = "(" + s + ")"; feat.add("nested-logic"); }
      else feat.add("precedence-no-parens");
    }
    parts.push(s);
  }
  const useAnd = rng.chance(0.5);
  let out = parts[0];
  for (let i = 1; i < parts.length; i++) {
    const r = rng.f();
    let op;
    if (r < 0.2) { op = useAnd ? "&&" : "||"; feat.add("symbol-logic"); }
    else op = kw(rng, useAnd ? "and" : "or", feat);
    // sometimes mix and/or in one chain without parentheses (precedence test)
    if (rng.chance(0.15)) { op = kw(rng, useAnd ? "or" : "and", feat); feat.add("precedence-no-parens"); }
    out += " " + op + " " + parts[i];
  }
  feat.add(useAnd ? "and" : "or");
  const r = rng.f();
  if (r < 0.12) { feat.add("negation"); out = "!(" + out + ")"; }
  else if (r < 0.2) { feat.add("negate-keyword"); out = kw(rng, "negate", feat) + " (" + out + ")"; }
  return out;
}

const parser = new SC.ConditionsParser();
function parses(expr) {
  try { return !!parser.parseExpression(expr); } catch (e) { return false; }
}

function genSurvey(rng, id, feat) {
  const n = rng.int(2, 8);
  const metas = [];
  for (let i = 1; i <= n; i++) {
    const m = genElement(rng, i, feat);
    m.idx = i;
    metas.push(m);
  }
  const questions = metas.filter((m) => m.kind !== "html");
  const exprFor = (selfIdx, depth) => {
    const refs = questions.filter((m) => m.idx !== selfIdx);
    if (refs.length === 0) return null;
    for (let tries = 0; tries < 5; tries++) {
      const local = new Set();
      const e = genExpr(rng, refs, depth, local, selfIdx, metas);
      if (parses(e)) { for (const f of local) feat.add(f); return e; }
      feat.add("_dropped-unparsable");
    }
    return null;
  };
  for (const m of metas) {
    const el = m.el;
    if (rng.chance(0.5)) { const e = exprFor(m.idx, rng.int(0, 2)); if (e) { el.visibleIf = e; feat.add("visibleIf"); } }
    if (rng.chance(0.18)) { const e = exprFor(m.idx, rng.int(0, 1)); if (e) { el.enableIf = e; feat.add("enableIf"); } }
    if (m.kind !== "html" && rng.chance(0.22)) {
      const e = exprFor(m.idx, rng.int(0, 1));
      if (e) { el.requiredIf = e; feat.add("requiredIf"); if (el.isRequired) feat.add("isRequired-with-requiredIf"); }
    }
  }
  // pages
  const pageCount = Math.min(n, rng.weighted([[5, 1], [3, 2], [2, 3]]));
  const pages = [];
  const cuts = rng.shuffle(Array.from({ length: n - 1 }, (_, i) => i + 1)).slice(0, pageCount - 1).sort((a, b) => a - b);
  let start = 0;
  for (const c of cuts.concat([n])) {
    pages.push({ elements: metas.slice(start, c).map((m) => m.el) });
    start = c;
  }
  if (pages.length > 1) {
    for (let p = 1; p < pages.length; p++) {
      if (rng.chance(0.3)) {
        const first = metas.indexOf(metas.find((m) => m.el === pages[p].elements[0])) + 1;
        // page conditions reference questions of earlier pages (any question would work in survey-core)
        const refs = questions.filter((m) => m.idx < first);
        if (refs.length) {
          const local = new Set();
          const e = genExpr(rng, refs, rng.int(0, 1), local, 1e9, metas);
          if (parses(e)) { pages[p].visibleIf = e; feat.add("page-visibleIf"); for (const f of local) feat.add(f); }
        }
      }
    }
  }
  const survey = {
    surveyId: "gen-" + id,
    surveyVersion: "1",
    title: "Generated survey " + id,
    consent: "Generated test survey " + id + ". No personal data is collected.",
    pages,
  };
  return { survey, metas };
}

// ---------------------------------------------------------------- answers
function genAnswer(rng, m, feat) {
  switch (m.kind) {
    case "rating": return rng.pick(m.values);
    case "boolean": return rng.chance(0.5);
    case "number": {
      const lo = m.min !== undefined ? m.min : -10;
      const hi = m.max !== undefined ? m.max : (m.min !== undefined ? m.min + 40 : 60);
      if ((m.min !== undefined || m.max !== undefined) && rng.chance(0.3)) {
        feat.add("out-of-range");
        if (m.min !== undefined && (m.max === undefined || rng.chance(0.5))) return m.min - rng.pick([1, 0.5, 10]);
        return m.max + rng.pick([1, 0.5, 10]);
      }
      if (rng.chance(0.15)) { feat.add("decimal-answer"); return Math.round((lo + rng.f() * (hi - lo)) * 10) / 10; }
      return rng.int(lo, hi);
    }
    case "radiogroup":
      if (m.none && rng.chance(0.2)) { feat.add("none-answer"); return NONE; }
      return rng.pick(m.values);
    case "checkbox": {
      if (m.none && rng.chance(0.3)) {
        feat.add("none-answer");
        if (rng.chance(0.5)) { feat.add("none-with-others"); return rng.shuffle([NONE].concat(rng.subset(m.values, 1, 2))); }
        return [NONE];
      }
      if (m.max !== undefined && m.values.length > m.max && rng.chance(0.3)) {
        feat.add("max-exceeded"); // survey-core does not flag this
        return rng.subset(m.values, m.max + 1, m.values.length);
      }
      let maxN = m.values.length;
      if (m.max !== undefined && rng.chance(0.8)) maxN = m.max;
      const arr = rng.subset(m.values, 1, maxN);
      if (m.max !== undefined && arr.length > m.max) feat.add("max-exceeded");
      return arr;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------- oracle
function readModel(model, survey, tags) {
  const out = [];
  for (const page of survey.pages) {
    for (const el of page.elements) {
      const q = model.getQuestionByName(el.name);
      if (tags) {
        if (q.isVisible && !q.isParentVisible) tags.add("question-on-hidden-page");
        if (el.isRequired && !q.isRequired) tags.add("requiredIf-overrides-isRequired");
        if (q.isVisible && q.isParentVisible && q.isReadOnly && q.isRequired && q.isEmpty()) tags.add("readonly-required-empty");
      }
      const visible = !!(q.isVisible && q.isParentVisible);
      const enabled = !q.isReadOnly;
      if (el.type === "html") {
        out.push({ name: el.name, visible, enabled, required: false, valid: true });
        continue;
      }
      const required = !!q.isRequired;
      const valid = visible ? !q.hasErrors(false) && withinContract(el, model.data[el.name]) : true;
      out.push({ name: el.name, visible, enabled, required, valid });
    }
  }
  return out;
}

// CONTRACT RULES on top of survey-core's own checks (SURVEY-FORMAT.md / issue #2: "validation of an
// answer set ... maxSelectedChoices"): a checkbox answer may not exceed maxSelectedChoices, and its
// "none" item cannot be combined with other choices. survey-core's UI prevents both, but hasErrors()
// does not report them when the data is set directly, so they are applied here, explicitly.
// A third rule: a number answer must lie within min/max even while its question is disabled (survey-core
// skips all checks of read-only questions; out-of-range data must never reach the reports).
function withinContract(el, value) {
  if (el.type === "text" && typeof value === "number") {
    if (el.min !== undefined && value < el.min) return false;
    if (el.max !== undefined && value > el.max) return false;
    return true;
  }
  if (el.type !== "checkbox" || !Array.isArray(value)) return true;
  if (el.maxSelectedChoices > 0 && value.length > el.maxSelectedChoices) return false;
  if (el.showNoneItem && value.length > 1 && value.includes("none")) return false;
  return true;
}

// A fresh model per final evaluation (no state carried over between answer sets).
function modelJson(survey) {
  // `surveyId` is also a (legacy) SurveyJS property: survey-core would warn about its removed demo
  // service and do extra work. It carries no behaviour, so the oracle gets the survey without it.
  const json = Object.assign({}, survey);
  delete json.surveyId;
  return json;
}

function evaluate(survey, answers, tags) {
  const model = new SC.Model(modelJson(survey));
  model.data = JSON.parse(JSON.stringify(answers));
  return { model, elements: readModel(model, survey, tags) };
}

function summarizeValid(elements, answers) {
  let ok = true;
  for (const e of elements) {
    if (e.visible && !e.valid) ok = false;
    if (!e.visible && Object.prototype.hasOwnProperty.call(answers, e.name)) ok = false;
  }
  return ok;
}

// ---------------------------------------------------------------- main
// Cases come in groups that share one survey (ANSWER_SETS answer sets per survey): building a
// survey-core Model is the dominant cost, so one Model is reused and only `model.data` is replaced
// (that re-runs every condition). `--verify` re-evaluates every reused result on a fresh Model and
// reports mismatches (there were none when this was written).
const ANSWER_SETS = 2;

function surveyRng(seed, surveyNo) {
  // independent stream per survey: output does not depend on --jobs
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(surveyNo + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return makeRng((h ^ (h >>> 16)) >>> 0);
}

function has(obj, k) { return Object.prototype.hasOwnProperty.call(obj, k); }

function genGroup(seed, surveyNo, firstId, k) {
  const rng = surveyRng(seed, surveyNo);
  const surveyFeat = new Set();
  const { survey, metas } = genSurvey(rng, surveyNo + 1, surveyFeat);
  surveyFeat.delete("_dropped-unparsable");
  let model = null;
  const cases = [];
  for (let j = 0; j < k; j++) {
    const feat = new Set(surveyFeat);
    const answers = {};
    const pAnswer = rng.pick([0.45, 0.65, 0.8]);
    for (const m of metas) {
      if (m.kind === "html") continue;
      if (rng.chance(pAnswer)) answers[m.name] = genAnswer(rng, m, feat);
    }
    const run = (tags) => {
      if (!model) {
        const r = evaluate(survey, answers, tags);
        model = r.model;
        return r.elements;
      }
      model.data = JSON.parse(JSON.stringify(answers));
      const els = readModel(model, survey, tags);
      if (VERIFY) {
        const fresh = evaluate(survey, answers).elements;
        if (JSON.stringify(fresh) !== JSON.stringify(els)) {
          process.stderr.write("verify: reused model differs from a fresh one in case " + (firstId + j) + "\n");
          verifyMismatches++;
          return fresh;
        }
      }
      return els;
    };
    const stateTags = new Set();
    let elements = run(stateTags);
    // Usually answer like a kiosk would: drop answers to questions that end up hidden (repeat until
    // stable, since removing an answer can change other visibilities). Sometimes keep them.
    const keepHidden = rng.chance(0.35);
    if (!keepHidden) {
      for (let iter = 0; iter < 8; iter++) {
        let changed = false;
        for (const e of elements) {
          if (!e.visible && has(answers, e.name)) { delete answers[e.name]; changed = true; }
        }
        if (!changed) break;
        stateTags.clear();
        elements = run(stateTags);
      }
    }
    // feature tags derived from the final answers and results
    for (const t of stateTags) feat.add(t);
    for (const m of metas) if (m.kind !== "html" && !has(answers, m.name)) feat.add("unanswered");
    for (const e of elements) {
      if (!e.visible && has(answers, e.name)) feat.add("hidden-answer");
      if (!e.visible) feat.add("hidden-element");
      if (!e.enabled) feat.add("disabled-element");
      if (e.visible && !e.valid) feat.add("invalid-element");
    }
    const answered = (pred) => metas.some((m) => has(answers, m.name) && pred(m, answers[m.name]));
    if (!answered((m, a) => m.kind === "number" && ((m.min !== undefined && a < m.min) || (m.max !== undefined && a > m.max)))) feat.delete("out-of-range");
    if (!answered((m, a) => m.kind === "checkbox" && m.max !== undefined && Array.isArray(a) && a.length > m.max)) feat.delete("max-exceeded");
    if (!answered((m, a) => a === NONE || (Array.isArray(a) && a.indexOf(NONE) >= 0))) feat.delete("none-answer");
    if (!answered((m, a) => Array.isArray(a) && a.length > 1 && a.indexOf(NONE) >= 0)) feat.delete("none-with-others");
    if (!answered((m, a) => m.kind === "number" && !Number.isInteger(a))) feat.delete("decimal-answer");
    cases.push({
      id: firstId + j,
      features: Array.from(feat).sort(),
      survey,
      answers,
      expected: { elements, valid: summarizeValid(elements, answers) },
    });
  }
  return cases;
}

// Generates cases [fromSurvey, toSurvey) of a run of `count` cases; returns JSON lines and stats.
function genRange(seed, count, fromSurvey, toSurvey) {
  const lines = [];
  const counts = {};
  let nValid = 0;
  for (let sNo = fromSurvey; sNo < toSurvey; sNo++) {
    const firstId = sNo * ANSWER_SETS + 1;
    const k = Math.min(ANSWER_SETS, count - sNo * ANSWER_SETS);
    for (const c of genGroup(seed, sNo, firstId, k)) {
      if (c.expected.valid) nValid++;
      for (const f of c.features) counts[f] = (counts[f] || 0) + 1;
      lines.push(JSON.stringify(c));
    }
  }
  return { lines, counts, nValid, verifyMismatches };
}

function report(args, res, ms) {
  const keys = Object.keys(res.counts).sort((a, b) => res.counts[b] - res.counts[a] || (a < b ? -1 : 1));
  let s = "gen_cases: " + args.count + " cases (seed " + args.seed + ", " + args.jobs + " job(s)) in " + (ms / 1000).toFixed(1) + " s\n";
  s += "overall valid: " + res.nValid + " (" + (args.count ? (100 * res.nValid / args.count).toFixed(1) : "0") + " %)\n";
  s += "features (cases carrying each tag):\n";
  for (const k of keys) s += "  " + k.padEnd(28) + " " + res.counts[k] + "\n";
  if (VERIFY) s += "verify: " + res.verifyMismatches + " mismatches between reused and fresh models\n";
  process.stderr.write(s);
}

function main() {
  const args = parseArgs(process.argv);
  const t0 = Date.now();
  const surveys = Math.ceil(args.count / ANSWER_SETS);
  const jobs = Math.max(1, Math.min(args.jobs, surveys));
  args.jobs = jobs;
  const finish = (res) => {
    const text = res.lines.join("\n") + (res.lines.length ? "\n" : "");
    if (args.out) fs.writeFileSync(args.out, text);
    else process.stdout.write(text);
    report(args, res, Date.now() - t0);
  };
  if (jobs === 1) { finish(genRange(args.seed, args.count, 0, surveys)); return; }
  const { Worker } = require("worker_threads");
  const parts = new Array(jobs);
  let done = 0;
  let failed = false;
  for (let w = 0; w < jobs; w++) {
    const from = Math.floor(surveys * w / jobs);
    const to = Math.floor(surveys * (w + 1) / jobs);
    const worker = new Worker(__filename, { workerData: { seed: args.seed, count: args.count, from, to, verify: VERIFY } });
    worker.on("message", (res) => {
      parts[w] = res;
      if (++done === jobs && !failed) {
        const all = { lines: [], counts: {}, nValid: 0, verifyMismatches: 0 };
        for (const p of parts) {
          for (const l of p.lines) all.lines.push(l);
          for (const k in p.counts) all.counts[k] = (all.counts[k] || 0) + p.counts[k];
          all.nValid += p.nValid;
          all.verifyMismatches += p.verifyMismatches;
        }
        finish(all);
      }
    });
    worker.on("error", (e) => { failed = true; process.stderr.write("gen_cases worker failed: " + (e && e.stack || e) + "\n"); process.exitCode = 1; });
  }
}

const wt = require("worker_threads");
if (!wt.isMainThread && wt.workerData) {
  const d = wt.workerData;
  VERIFY = !!d.verify;
  wt.parentPort.postMessage(genRange(d.seed, d.count, d.from, d.to));
} else {
  main();
}
