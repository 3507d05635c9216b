#include "svarboks/server/survey_admin.hpp"

#include "svarboks/server/json_lines.hpp"
#include "svarboks/shared/hashing.hpp"

#include <nlohmann/json.hpp>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <utility>

namespace svarboks::server {

namespace {

constexpr std::size_t kMaxFileNameLength = 120;

// The name of an uploaded file as messages show it: no directories, no control characters, not too long.
std::string cleanFileName(std::string_view name) {
    if (const auto slash = name.find_last_of("/\\"); slash != std::string_view::npos) name = name.substr(slash + 1);
    std::string clean;
    for (const char c : name) {
        if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) clean += c;
    }
    if (clean.size() > kMaxFileNameLength) clean.resize(kMaxFileNameLength);
    return clean.empty() ? std::string("survey.json") : clean;
}

Result<std::string> newDraftId() {
    if (sodium_init() < 0) return Error{"libsodium could not be initialised"};
    std::array<unsigned char, 8> bytes{};
    randombytes_buf(bytes.data(), bytes.size());
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::string id;
    for (const unsigned char b : bytes) {
        id += kHex[b >> 4];
        id += kHex[b & 0x0f];
    }
    return id;
}

std::string joined(const std::vector<std::string>& items) {
    std::string text;
    for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
    return text;
}

}  // namespace

std::size_t UploadOutcome::errorCount() const {
    return static_cast<std::size_t>(std::count_if(problems.begin(), problems.end(), [](const LintProblem& p) { return p.error; }));
}

std::vector<LintProblem> lintProblems(const shared::LoadResult& loaded, std::string_view bytes) {
    const JsonLines lines(bytes);
    std::vector<LintProblem> problems;
    for (const auto& diagnostic : loaded.diagnostics) {
        problems.push_back({diagnostic.severity == shared::Diagnostic::Severity::Error, diagnostic.pointer,
                            diagnostic.pointer.empty() ? 0 : lines.lineOf(diagnostic.pointer), diagnostic.message, diagnostic.code,
                            diagnostic.args});
    }
    return problems;
}

std::string LintProblem::text(std::string_view locale) const {
    return shared::Diagnostic{shared::Diagnostic::Severity::Error, "", pointer, message, code, args}.text(locale);
}

std::string describeTargets(const PublishTargets& targets) {
    std::vector<std::string> parts;
    if (targets.all) parts.emplace_back("every unit");
    if (!targets.groups.empty()) parts.push_back((targets.groups.size() == 1 ? "group " : "groups ") + joined(targets.groups));
    if (!targets.units.empty()) parts.push_back((targets.units.size() == 1 ? "unit " : "units ") + joined(targets.units));
    std::string text;
    for (const auto& part : parts) text += (text.empty() ? "" : "; ") + part;
    return text;
}

SurveyAdmin::SurveyAdmin(Storage& storage, Clock clock) : m_storage(storage), m_clock(std::move(clock)) {}

Status SurveyAdmin::audit(const std::string& user, const std::string& action, const std::string& detail) {
    return m_storage.addAudit({utcSecond(m_clock()), user, action, detail, 0});
}

Result<UploadOutcome> SurveyAdmin::upload(std::string_view fileName, std::string bytes, const std::string& user) {
    const std::string file = cleanFileName(fileName);
    const shared::LoadResult loaded = shared::parseSurvey(bytes, file);
    UploadOutcome outcome;
    outcome.problems = lintProblems(loaded, bytes);
    if (!loaded.ok()) return outcome;
    auto id = newDraftId();
    if (!id) return id.error();
    SurveyDraft draft{*id, file, user, utcSecond(m_clock()), std::move(bytes), loaded.survey->id, loaded.survey->version,
                      static_cast<std::int64_t>(outcome.problems.size())};
    if (Status stored = m_storage.addDraft(draft); !stored) return Error{stored.message()};
    if (Status audited = audit(user, "survey-upload", draft.surveyId + " " + draft.version + " from " + file + " (draft " + draft.id + ")");
        !audited) {
        return Error{audited.message()};
    }
    draft.source.clear();
    outcome.draft = std::move(draft);
    return outcome;
}

Result<std::vector<SurveyDraft>> SurveyAdmin::drafts() { return m_storage.drafts(); }

Result<std::optional<DraftReview>> SurveyAdmin::review(const std::string& draftId) {
    auto found = m_storage.findDraft(draftId);
    if (!found) return found.error();
    if (!*found) return std::optional<DraftReview>();
    SurveyDraft draft = std::move(**found);
    const shared::LoadResult loaded = shared::parseSurvey(draft.source, draft.fileName);
    // A draft was stored without errors; a linter that has become stricter since may find some.
    if (!loaded.ok()) {
        return Error{"draft " + draftId + " no longer passes the lint: " +
                     (loaded.diagnostics.empty() ? std::string("unreadable") : loaded.diagnostics.front().format()) + "; upload it again"};
    }
    DraftReview review{std::move(draft), *loaded.survey, {}};
    review.problems = lintProblems(loaded, review.draft.source);
    return std::optional<DraftReview>(std::move(review));
}

Status SurveyAdmin::discard(const std::string& draftId, const std::string& user) {
    auto found = m_storage.findDraft(draftId);
    if (!found) return Error{found.error().message};
    if (!*found) return Error{"there is no draft '" + draftId + "'"};
    if (Status removed = m_storage.removeDraft(draftId); !removed) return removed;
    return audit(user, "survey-discard", (*found)->surveyId + " " + (*found)->version + " (draft " + draftId + ")");
}

Result<PublishedSurvey> SurveyAdmin::publishLoaded(const shared::LoadResult& loaded, std::string_view bytes, const PublishTargets& targets,
                                                   const std::string& user) {
    if (targets.empty()) return Error{"choose where to publish: every unit, a group or a unit"};
    const auto document = nlohmann::json::parse(bytes, nullptr, false);
    if (document.is_discarded() || !loaded.ok()) return Error{"the definition cannot be read"};
    PublishedSurvey published{loaded.survey->id, loaded.survey->version, shared::canonicalDefinition(document),
                              loaded.survey->definitionSha256, loaded.survey->consentSha256, {}};
    if (shared::sha256Hex(published.definition) != published.definitionSha256) return Error{"the definition changed while it was read"};
    if (Status done = m_storage.publishSurveyTo(published, targets); !done) return Error{done.message()};
    published.units = targets.all ? std::vector<std::string>{kAllUnits} : std::vector<std::string>{};
    published.units.insert(published.units.end(), targets.units.begin(), targets.units.end());
    published.groups = targets.groups;
    if (Status audited = audit(user, "survey-publish", published.surveyId + " " + published.version + " to " + describeTargets(targets));
        !audited) {
        return Error{"published, but not in the audit log: " + audited.message()};
    }
    return published;
}

Result<PublishedSurvey> SurveyAdmin::publish(const std::string& draftId, const PublishTargets& targets, const std::string& user) {
    auto found = m_storage.findDraft(draftId);
    if (!found) return found.error();
    if (!*found) return Error{"there is no draft '" + draftId + "' (it was published or discarded already)"};
    const SurveyDraft& draft = **found;
    const shared::LoadResult loaded = shared::parseSurvey(draft.source, draft.fileName);
    if (!loaded.ok()) return Error{"draft " + draftId + " no longer passes the lint; upload it again"};
    auto published = publishLoaded(loaded, draft.source, targets, user);
    if (!published) return published;
    if (Status removed = m_storage.removeDraft(draftId); !removed) return Error{"published, but the draft stays: " + removed.message()};
    return published;
}

Result<PublishedSurvey> SurveyAdmin::publishDefinition(std::string_view fileName, std::string_view bytes, const PublishTargets& targets,
                                                       const std::string& user, std::vector<LintProblem>& problems) {
    const std::string file = cleanFileName(fileName);
    const shared::LoadResult loaded = shared::parseSurvey(bytes, file);
    problems = lintProblems(loaded, bytes);
    if (!loaded.ok()) return Error{file + ": " + std::to_string(loaded.errorCount()) + " error(s); nothing was published"};
    return publishLoaded(loaded, bytes, targets, user);
}

Result<std::vector<SurveyVersion>> SurveyAdmin::versions() {
    auto published = m_storage.surveys();
    if (!published) return published.error();
    std::vector<SurveyVersion> list;
    for (auto& survey : *published) {
        SurveyVersion version;
        auto definition = m_storage.surveyDefinition(survey.surveyId, survey.version);
        if (!definition) return definition.error();
        if (!*definition) {
            version.problem = "no stored definition";
        } else {
            const auto loaded = shared::parseSurvey(**definition, "survey " + survey.surveyId + " " + survey.version);
            if (loaded.ok()) {
                version.title = loaded.survey->title;
                version.consent = loaded.survey->consent;
                version.locales = loaded.survey->locales;
                version.defaultLocale = loaded.survey->defaultLocale;
            } else {
                version.problem = loaded.diagnostics.empty() ? "the definition cannot be read" : loaded.diagnostics.front().format();
            }
        }
        version.published = std::move(survey);
        list.push_back(std::move(version));
    }
    return list;
}

Status SurveyAdmin::retire(const std::string& surveyId, const std::string& version, const std::string& user) {
    if (Status retired = m_storage.retireSurvey(surveyId, version, localDate(m_clock())); !retired) return retired;
    return audit(user, "survey-retire", surveyId + " " + version);
}

}  // namespace svarboks::server
