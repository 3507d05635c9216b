#include "svarboks/shared/survey.hpp"

#include <algorithm>
#include <iterator>

namespace svarboks::shared {

namespace {

// The wording of every lint problem that has a code, in English and Danish. "{N}" is the N-th of the
// problem's args. An argument may be left out of a wording: the English "got an array of 3" names the
// JSON type in English words ({1}), the Danish one shows the value itself ({2}).
struct Wording {
    std::string_view code;
    std::string_view en;
    std::string_view da;
};

constexpr Wording kWordings[] = {
    {"lix-high", "the Danish text has a LIX of {1}, above {2}: shorter sentences and shorter words make it easier to read", "den danske tekst har en LIX på {1}, over {2}: kortere sætninger og kortere ord gør den lettere at læse"},
    {"file-empty", "the file is empty; expected a survey definition (a JSON object)", "filen er tom; forventede en spørgeskemadefinition (et JSON-objekt)"},
    {"file-too-large", "the file is {1} bytes; a survey definition may be at most {2} bytes", "filen fylder {1} bytes; en spørgeskemadefinition må højst fylde {2} bytes"},
    {"json-too-deep", "JSON nested deeper than {1} levels at line {2}, column {3}", "JSON indlejret mere end {1} niveauer i linje {2}, kolonne {3}"},
    {"survey-not-object", "expected a survey definition (a JSON object), got {1}", "forventede en spørgeskemadefinition (et JSON-objekt), men fik {2}"},
    {"json-syntax", "not valid JSON at line {1}, column {2}: {3}", "ikke gyldig JSON i linje {1}, kolonne {2} (JSON-læserens besked: {3})"},
    {"json-invalid", "not valid JSON: {1}", "ikke gyldig JSON (JSON-læserens besked: {1})"},
    {"expected-string", "expected a string, got {1}", "forventede en tekst i anførselstegn, men fik {2}"},
    {"text-too-long", "text is {1} bytes long; at most {2} are allowed", "teksten fylder {1} bytes; højst {2} er tilladt"},
    {"expected-boolean", "expected true or false, got {1}", "forventede true eller false, men fik {2}"},
    {"expected-number", "expected a number, got {1}", "forventede et tal, men fik {2}"},
    {"text-empty-object", "expected text, or an object of locale -> text, got an empty object", "forventede en tekst eller et objekt med sprog -> tekst, men fik et tomt objekt"},
    {"text-locale-invalid", "'{1}' is not a locale code; expected e.g. \"da\", \"en\" or \"default\"", "'{1}' er ikke en sprogkode; forventede fx \"da\", \"en\" eller \"default\""},
    {"expected-text", "expected text, or an object of locale -> text, got {1}", "forventede en tekst eller et objekt med sprog -> tekst, men fik {2}"},
    {"expression-too-long", "the expression is {1} bytes long; at most {2} are allowed", "udtrykket fylder {1} bytes; højst {2} er tilladt"},
    {"expression-invalid", "{1}", "udtrykket kan ikke læses (udtrykslæserens besked: {1})"},
    {"locale-invalid", "'{1}' is not a locale code; expected e.g. \"da\" or \"en\"", "'{1}' er ikke en sprogkode; forventede fx \"da\" eller \"en\""},
    {"survey-id-missing", "missing; expected a stable survey id such as \"digital-kompetence\" ([a-z0-9-], 1-64 characters)", "mangler; forventede et fast id for spørgeskemaet, fx \"digital-kompetence\" ([a-z0-9-], 1-64 tegn)"},
    {"survey-id-invalid", "'{1}' is not a survey id; expected 1-64 characters of a-z, 0-9 and '-'", "'{1}' er ikke et gyldigt id; forventede 1-64 tegn blandt a-z, 0-9 og '-'"},
    {"survey-version-missing", "missing; expected a version string such as \"2026.1\"", "mangler; forventede en version, fx \"2026.1\""},
    {"survey-version-empty", "expected a non-empty version string such as \"2026.1\"", "versionen er tom; forventede fx \"2026.1\""},
    {"consent-missing", "missing; expected the consent text shown before the first question (text, or locale -> text)", "mangler; forventede samtykketeksten, der vises før første spørgsmål (tekst, eller sprog -> tekst)"},
    {"consent-empty", "the consent text is empty; respondents must be told what is collected, who sees it and how long it is kept", "samtykketeksten er tom; de svarende skal have at vide, hvad der indsamles, hvem der ser det, og hvor længe det gemmes"},
    {"pages-missing", "missing; expected an array of pages, each with \"elements\"", "mangler; forventede et array af sider, hver med \"elements\""},
    {"pages-empty", "expected a non-empty array of pages, got {1}", "forventede et array med mindst én side, men fik {2}"},
    {"page-not-object", "expected a page (an object with \"elements\"), got {1}", "forventede en side (et objekt med \"elements\"), men fik {2}"},
    {"visible-unsupported", "visible is not supported; use visibleIf", "visible understøttes ikke; brug visibleIf"},
    {"elements-missing", "missing; expected an array of elements", "mangler; forventede et array af elementer"},
    {"elements-empty", "expected a non-empty array of elements, got {1}", "forventede et array med mindst ét element, men fik {2}"},
    {"elements-too-many", "a survey may have at most {1} elements", "et spørgeskema må højst have {1} elementer"},
    {"element-not-object", "expected an element (an object with \"type\" and \"name\"), got {1}", "forventede et element (et objekt med \"type\" og \"name\"), men fik {2}"},
    {"readonly-unsupported", "readOnly is not supported; use enableIf", "readOnly understøttes ikke; brug enableIf"},
    {"free-text-refused", "free text can identify a person and is refused; use a choice question, or set \"allowFreeText\": true at the top level if the survey really needs it", "fritekst kan afsløre, hvem der svarer, og afvises; brug et spørgsmål med svarmuligheder, eller sæt \"allowFreeText\": true øverst, hvis spørgeskemaet virkelig har brug for det"},
    {"type-missing", "missing; expected one of html, rating, radiogroup, checkbox, boolean, text", "mangler; forventede en af html, rating, radiogroup, checkbox, boolean, text"},
    {"type-unknown", "unknown element type '{1}'; expected one of html, rating, radiogroup, checkbox, boolean, text", "ukendt elementtype '{1}'; forventede en af html, rating, radiogroup, checkbox, boolean, text"},
    {"input-type-not-text", "inputType only applies to \"text\" elements", "inputType gælder kun for \"text\"-elementer"},
    {"input-type-unsupported", "inputType '{1}' is not supported; use \"number\" (an on-screen number pad)", "inputType '{1}' understøttes ikke; brug \"number\" (et taltastatur på skærmen)"},
    {"name-missing", "missing; every element needs a unique name ([A-Za-z_][A-Za-z0-9_.-]*)", "mangler; hvert element skal have et entydigt navn ([A-Za-z_][A-Za-z0-9_.-]*)"},
    {"name-too-long", "name is {1} characters; at most {2} are allowed", "navnet er på {1} tegn; højst {2} er tilladt"},
    {"name-invalid", "'{1}' is not a valid name; expected a letter or '_' followed by letters, digits, '_', '.' or '-'", "'{1}' er ikke et gyldigt navn; forventede et bogstav eller '_' efterfulgt af bogstaver, cifre, '_', '.' eller '-'"},
    {"name-duplicate", "duplicate name '{1}' (already used at {2}; names are compared without case, as in SurveyJS)", "navnet '{1}' er brugt før (ved {2}; store og små bogstaver regnes for ens, som i SurveyJS)"},
    {"html-missing", "missing; an html element needs its text in \"html\"", "mangler; et html-element skal have sin tekst i \"html\""},
    {"choices-missing", "missing; expected an array of choices (strings, numbers or {\"value\", \"text\"})", "mangler; forventede et array af svarmuligheder (tekster, tal eller {\"value\", \"text\"})"},
    {"choices-count", "expected an array of 1 to {1} choices, got {2}", "forventede et array med 1 til {1} svarmuligheder"},
    {"choice-value-missing", "missing; a choice object needs a \"value\"", "mangler; en svarmulighed skal have en \"value\""},
    {"choice-value-type", "expected a choice value (a string or a number), got {1}", "forventede en værdi for svarmuligheden (en tekst eller et tal), men fik {2}"},
    {"choice-value-length", "expected a choice value of 1 to 200 characters", "forventede en værdi på 1 til 200 tegn"},
    {"choice-value-none", "the value \"none\" is reserved for the none item (showNoneItem)", "værdien \"none\" er forbeholdt \"ingen af dem\" (showNoneItem)"},
    {"choice-value-repeats", "choice value {1} repeats the value at {2} (SurveyJS compares \"1\" and 1, and text without case, as equal)", "værdien {1} gentager værdien ved {2} (SurveyJS regner \"1\" og 1, og tekst uanset store og små bogstaver, for ens)"},
    {"type-matrix", "element type '{1}': matrix questions are not supported; use one rating or radiogroup question per row", "elementtypen '{1}': matrix-spørgsmål understøttes ikke; brug ét rating- eller radiogroup-spørgsmål pr. række"},
    {"type-file", "element type '{1}': file uploads are not supported on a kiosk", "elementtypen '{1}': upload af filer understøttes ikke på en kiosk"},
    {"type-signaturepad", "element type '{1}': signatures are not supported: they identify a person", "elementtypen '{1}': underskrifter understøttes ikke: de afslører, hvem der svarer"},
    {"type-expression", "element type '{1}': expression (calculated) questions are not supported", "elementtypen '{1}': beregnede spørgsmål (expression) understøttes ikke"},
    {"type-panel", "element type '{1}': panels are not supported; put the elements directly on pages (the kiosk shows one per screen)", "elementtypen '{1}': paneler understøttes ikke; læg elementerne direkte på siderne (kiosken viser ét pr. skærm)"},
    {"type-paneldynamic", "element type '{1}': dynamic panels are not supported; put the elements directly on pages", "elementtypen '{1}': dynamiske paneler understøttes ikke; læg elementerne direkte på siderne"},
    {"type-multipletext", "element type '{1}': multiple text inputs are not supported", "elementtypen '{1}': flere tekstfelter i ét spørgsmål understøttes ikke"},
    {"type-dropdown", "element type '{1}': dropdowns are not supported on a touch kiosk; use radiogroup", "elementtypen '{1}': rullelister understøttes ikke på en touchkiosk; brug radiogroup"},
    {"type-tagbox", "element type '{1}': tag boxes are not supported on a touch kiosk; use checkbox", "elementtypen '{1}': tag-felter understøttes ikke på en touchkiosk; brug checkbox"},
    {"type-ranking", "element type '{1}': ranking questions are not supported; use rating questions", "elementtypen '{1}': rangordning understøttes ikke; brug rating-spørgsmål"},
    {"type-imagepicker", "element type '{1}': image pickers are not supported; use radiogroup", "elementtypen '{1}': billedvalg understøttes ikke; brug radiogroup"},
    {"type-image", "element type '{1}': images are not supported; use an html element with text", "elementtypen '{1}': billeder understøttes ikke; brug et html-element med tekst"},
    {"type-slider", "element type '{1}': sliders are not supported; use rating", "elementtypen '{1}': skydere understøttes ikke; brug rating"},
    {"property-other", "an 'other' option with free text is not supported; add a choice instead", "en 'andet'-mulighed med fritekst understøttes ikke; tilføj en svarmulighed i stedet"},
    {"property-comment", "a comment area is free text and is not supported", "et kommentarfelt er fritekst og understøttes ikke"},
    {"property-validators", "validators are not supported; use isRequired, min/max or maxSelectedChoices", "validators understøttes ikke; brug isRequired, min/max eller maxSelectedChoices"},
    {"property-choices-by-url", "choices loaded from a URL are not supported; list the choices", "svarmuligheder hentet fra en URL understøttes ikke; skriv svarmulighederne"},
    {"property-choices-from-question", "choices copied from another question are not supported; list the choices", "svarmuligheder kopieret fra et andet spørgsmål understøttes ikke; skriv svarmulighederne"},
    {"property-conditional-choices", "conditional choices are not supported", "betingede svarmuligheder understøttes ikke"},
    {"property-fixed-values", "preset or computed values are not supported: every respondent starts with no answers", "forudfyldte eller beregnede værdier understøttes ikke: alle, der svarer, starter uden svar"},
    {"property-correct-answer", "quizzes (correctAnswer) are not supported", "quizzer (correctAnswer) understøttes ikke"},
    {"property-value-name", "valueName is not supported; the answer is stored under the element's name", "valueName understøttes ikke; svaret gemmes under elementets navn"},
    {"property-has-none", "hasNone is the old name; use showNoneItem", "hasNone er det gamle navn; brug showNoneItem"},
    {"property-select-all", "a select-all option is not supported", "en vælg-alle-mulighed understøttes ikke"},
    {"property-min-selected", "minSelectedChoices is not supported; use isRequired", "minSelectedChoices understøttes ikke; brug isRequired"},
    {"property-rate-count", "rateCount is not supported; use rateMin, rateMax and rateStep, or rateValues", "rateCount understøttes ikke; brug rateMin, rateMax og rateStep, eller rateValues"},
    {"property-boolean-values", "custom boolean values are not supported; the answer is true or false", "egne værdier for ja/nej understøttes ikke; svaret er true eller false"},
    {"property-nested-elements", "nested elements (panels) are not supported; put the elements directly on pages", "indlejrede elementer (paneler) understøttes ikke; læg elementerne direkte på siderne"},
    {"property-dynamic-panels", "dynamic panels are not supported", "dynamiske paneler understøttes ikke"},
    {"property-timers", "timers are not supported: a kiosk never hurries a respondent", "tidsgrænser understøttes ikke: en kiosk skynder aldrig på nogen"},
    {"property-triggers", "triggers are not supported; use visibleIf, enableIf and requiredIf", "triggers understøttes ikke; brug visibleIf, enableIf og requiredIf"},
    {"property-calculated-values", "calculated values are not supported; refer to questions directly in expressions", "beregnede værdier understøttes ikke; henvis direkte til spørgsmålene i udtryk"},
    {"property-completed-on-condition", "conditional thank-you texts are not supported; use completedHtml", "betingede tak-tekster understøttes ikke; brug completedHtml"},
    {"property-navigate-url", "navigating to a URL is not supported on a kiosk", "at gå videre til en URL understøttes ikke på en kiosk"},
    {"property-survey-questions", "put questions inside pages: {\"pages\": [{\"elements\": [...]}]}", "læg spørgsmålene ind på sider: {\"pages\": [{\"elements\": [...]}]}"},
    {"property-survey-elements", "put elements inside pages: {\"pages\": [{\"elements\": [...]}]}", "læg elementerne ind på sider: {\"pages\": [{\"elements\": [...]}]}"},
    {"property-functions", "custom functions are not supported in expressions", "egne funktioner understøttes ikke i udtryk"},
    {"property-page-questions", "use \"elements\" for the contents of a page", "brug \"elements\" til indholdet af en side"},
    {"property-page-enableif", "enableIf on a page is not supported; put it on the elements", "enableIf på en side understøttes ikke; sæt det på elementerne"},
    {"property-page-requiredif", "requiredIf on a page is not supported; put it on the elements", "requiredIf på en side understøttes ikke; sæt det på elementerne"},
    {"property-page-readonly", "readOnly pages are not supported; use enableIf on the elements", "skrivebeskyttede sider (readOnly) understøttes ikke; brug enableIf på elementerne"},
    {"html-no-answer", "{1} has no meaning on an html element, which has no answer", "{1} giver ingen mening på et html-element, som ikke har noget svar"},
    {"rate-values-count", "expected an array of 1 to {1} numbers or {\"value\": number, \"text\": ...}, got {2}", "forventede et array med 1 til {1} tal eller {\"value\": tal, \"text\": ...}"},
    {"rate-value-missing", "missing; a rating value object needs a \"value\" (a number)", "mangler; en værdi på skalaen skal have en \"value\" (et tal)"},
    {"rate-value-repeats", "rating value {1} repeats", "værdien {1} står to gange på skalaen"},
    {"rate-out-of-range", "expected a number between -1000000 and 1000000, got {1}", "forventede et tal mellem -1000000 og 1000000, men fik {1}"},
    {"rate-step-small", "expected a step of at least 0.001, got {1}", "forventede et trin på mindst 0.001, men fik {1}"},
    {"rate-max-not-above-min", "rateMax ({1}) must be above rateMin ({2})", "rateMax ({1}) skal være større end rateMin ({2})"},
    {"rate-too-many", "the scale has {1} values; at most {2} fit on a kiosk screen", "skalaen har {1} værdier; højst {2} kan være på en kioskskærm"},
    {"max-selected-not-checkbox", "maxSelectedChoices only applies to checkbox questions", "maxSelectedChoices gælder kun for checkbox-spørgsmål"},
    {"max-selected-invalid", "expected a whole number of 0 (no limit) or more, got {1}", "forventede et helt tal på 0 (ingen grænse) eller mere, men fik {2}"},
    {"max-below-min", "max ({1}) is below min ({2})", "max ({1}) er mindre end min ({2})"},
    {"score-radiogroup-numeric", "a scored radiogroup needs numeric choice values (the lowest scores 0, the highest 1)", "en radiogroup, der giver point, skal have tal som værdier (den laveste giver 0, den højeste 1)"},
    {"score-radiogroup-two", "a scored radiogroup needs at least two numeric choices", "en radiogroup, der giver point, skal have mindst to svarmuligheder med tal"},
    {"score-number-range", "a scored number question needs both min and max (min scores 0, max scores 1)", "et talspørgsmål, der giver point, skal have både min og max (min giver 0, max giver 1)"},
    {"score-number-order", "a scored number question needs min below max (min scores 0, max scores 1)", "et talspørgsmål, der giver point, skal have min mindre end max (min giver 0, max giver 1)"},
    {"score-type", "{1} answers cannot be scored; use rating, radiogroup, boolean or a number", "svar på {1} kan ikke give point; brug rating, radiogroup, boolean eller et tal"},
    {"scoring-not-object", "expected an object with \"areas\", \"levels\" and \"advice\", got {1}", "forventede et objekt med \"areas\", \"levels\" og \"advice\", men fik {2}"},
    {"areas-empty", "expected a non-empty array of areas {\"id\", \"title\", \"competences\"}", "forventede et array med mindst ét område {\"id\", \"title\", \"competences\"}"},
    {"area-not-object", "expected an area {\"id\", \"title\", \"competences\"}, got {1}", "forventede et område {\"id\", \"title\", \"competences\"}, men fik {2}"},
    {"area-id-missing", "missing; expected an area id", "mangler; forventede et id for området"},
    {"area-title-missing", "missing; the respondent's profile shows the area's title", "mangler; den svarendes profil viser områdets titel"},
    {"competences-empty", "expected a non-empty array of competence ids", "forventede et array med mindst ét kompetence-id"},
    {"competence-twice", "competence '{1}' is already in area '{2}'", "kompetencen '{1}' er allerede i området '{2}'"},
    {"area-id-duplicate", "duplicate area id '{1}'", "områdets id '{1}' er brugt før"},
    {"levels-empty", "expected a non-empty array of levels {\"id\", \"min\", \"title\"}", "forventede et array med mindst ét niveau {\"id\", \"min\", \"title\"}"},
    {"level-not-object", "expected a level {\"id\", \"min\", \"title\"}, got {1}", "forventede et niveau {\"id\", \"min\", \"title\"}, men fik {2}"},
    {"level-id-missing", "missing; expected a level id", "mangler; forventede et id for niveauet"},
    {"level-min-missing", "missing; expected the lowest area score (0..1) for this level", "mangler; forventede den laveste score i området (0..1) for dette niveau"},
    {"level-min-range", "expected a score between 0 and 1, got {1}", "forventede en score mellem 0 og 1, men fik {1}"},
    {"level-min-order", "levels must be in ascending order of min; {1} is not above the previous level's {2}", "niveauerne skal stå i stigende orden efter min; {1} er ikke større end det forrige niveaus {2}"},
    {"level-title-missing", "missing; the respondent's profile shows the level's title", "mangler; den svarendes profil viser niveauets titel"},
    {"level-id-duplicate", "duplicate level id '{1}'", "niveauets id '{1}' er brugt før"},
    {"scoring-property-unknown", "unknown scoring property '{1}' is ignored", "den ukendte egenskab '{1}' i scoring ignoreres"},
    {"advice-not-object", "expected an object of area id -> level id -> text, got {1}", "forventede et objekt med område-id -> niveau-id -> tekst, men fik {2}"},
    {"advice-area-unknown", "unknown area '{1}'", "ukendt område '{1}'"},
    {"advice-area-not-object", "expected an object of level id -> text, got {1}", "forventede et objekt med niveau-id -> tekst, men fik {2}"},
    {"advice-level-unknown", "unknown level '{1}'", "ukendt niveau '{1}'"},
    {"competence-no-scoring", "competence '{1}' needs a \"scoring\" section that lists it in an area", "kompetencen '{1}' kræver en \"scoring\"-sektion, der har den med i et område"},
    {"competence-no-area", "competence '{1}' is in no scoring area", "kompetencen '{1}' er ikke med i noget område"},
    {"competence-unused", "competence '{1}' is used by no question", "kompetencen '{1}' bruges ikke af noget spørgsmål"},
    {"advice-missing", "no advice for this area and level", "intet råd for dette område og niveau"},
    {"expression-self", "an expression cannot refer to its own element ('{1}')", "et udtryk kan ikke henvise til sit eget element ('{1}')"},
    {"expression-html", "'{1}' is an html element and has no answer", "'{1}' er et html-element og har intet svar"},
    {"translation-default-missing", "no 'default' text, which other texts have", "ingen 'default'-tekst, som andre tekster har"},
    {"translation-missing", "missing '{1}' translation, which other texts have", "mangler oversættelse til '{1}', som andre tekster har"},
};

std::string filled(std::string_view pattern, const std::vector<std::string>& args) {
    std::string out;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const auto close = pattern.find('}', i);
        if (pattern[i] == '{' && close != std::string_view::npos && close > i + 1 && close - i <= 3 &&
            std::all_of(pattern.begin() + static_cast<std::ptrdiff_t>(i) + 1, pattern.begin() + static_cast<std::ptrdiff_t>(close),
                        [](char c) { return c >= '0' && c <= '9'; })) {
            const auto n = static_cast<std::size_t>(std::stoi(std::string(pattern.substr(i + 1, close - i - 1))));
            if (n >= 1 && n <= args.size()) out += args[n - 1];
            i = close;
            continue;
        }
        out.push_back(pattern[i]);
    }
    return out;
}

}  // namespace

std::string lintMessage(std::string_view code, const std::vector<std::string>& args, std::string_view locale) {
    const auto* wording = std::find_if(std::begin(kWordings), std::end(kWordings), [&](const Wording& w) { return w.code == code; });
    if (wording == std::end(kWordings)) return "";
    return filled(locale == "da" ? wording->da : wording->en, args);
}

std::string Diagnostic::text(std::string_view locale) const {
    if (code.empty() || locale != "da") return message;
    std::string worded = lintMessage(code, args, locale);
    return worded.empty() ? message : worded;
}

}  // namespace svarboks::shared
