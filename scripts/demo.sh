#!/usr/bin/env bash
# The README's main command. Until the kiosk exists, the "demo" is the survey engine on the default
# survey: lint it, then walk a sample respondent through it and show their competence profile.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" release
cd "$root"
svarboks=build/release/client/svarboks
survey=assets/surveys/digital-kompetence.json

echo "== svarboks survey lint $survey"
"$svarboks" survey lint "$survey" assets/surveys/pulse.json && echo "both surveys are valid"
echo
echo "== svarboks survey walk $survey (a sample respondent)"
"$svarboks" survey walk "$survey" --locale "${SVARBOKS_LOCALE:-da}" --answers @assets/examples/sample-answers.json
