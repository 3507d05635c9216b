#pragma once
// Survey administration, for the dashboard's survey pages and the `survey` commands alike: upload a
// definition as a draft (linted; no kiosk gets a draft), publish a draft or a file to every unit, to groups
// or to units, list the published versions, and retire one. Every change goes into the audit log under the
// account (or "(command line)") that made it. No HTTP here.
//
// Thread-safe as the Storage it is given: one SurveyAdmin can serve every request thread.
#include "svarboks/server/clock.hpp"
#include "svarboks/server/storage.hpp"
#include "svarboks/shared/survey.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace svarboks::server {

/// One lint problem of a definition, with where it is: its JSON pointer and the line of the file.
struct LintProblem {
    bool error = true;    ///< false for a warning (the survey can still be published)
    std::string pointer;  ///< "" for the whole document (e.g. not JSON: the message then has line and column)
    std::size_t line = 0; ///< 1-based line of the pointer's value in the file as uploaded; 0 when unknown
    std::string message;  ///< in English
    std::string code;     ///< the problem's code and the values it names (shared::Diagnostic)
    std::vector<std::string> args;
    /// The message in `locale` (Danish for "da", English otherwise; see shared::Diagnostic::text).
    [[nodiscard]] std::string text(std::string_view locale) const;
};

/// What an upload came to: a stored draft when the definition has no errors, and every problem found.
struct UploadOutcome {
    std::optional<SurveyDraft> draft;
    std::vector<LintProblem> problems;
    [[nodiscard]] std::size_t errorCount() const;
};

/// A draft as it would be published: the survey read from it and its warnings.
struct DraftReview {
    SurveyDraft draft;
    shared::Survey survey;
    std::vector<LintProblem> problems;
};

/// A published version with what the pages show of it.
struct SurveyVersion {
    PublishedSurvey published;
    shared::LocalizedText title;
    shared::LocalizedText consent;
    std::vector<std::string> locales;
    std::string defaultLocale = "da";
    std::string problem;  ///< when the stored definition cannot be read back (then the texts are empty)
};

/// The problems of a definition, each with its line in `bytes`. Never throws.
[[nodiscard]] std::vector<LintProblem> lintProblems(const shared::LoadResult& loaded, std::string_view bytes);

/// "every unit; groups hjemmeplejen; units solhoj, vest": where a publication goes, for messages and the audit log.
[[nodiscard]] std::string describeTargets(const PublishTargets& targets);

class SurveyAdmin {
public:
    explicit SurveyAdmin(Storage& storage, Clock clock = systemClock());

    /// Lints an uploaded definition and, when it has no errors, stores it as a draft (audited as
    /// "survey-upload"). `fileName` names it in messages (its directories and control characters dropped).
    /// An error only when the store fails.
    [[nodiscard]] Result<UploadOutcome> upload(std::string_view fileName, std::string bytes, const std::string& user);
    /// Every draft, newest first, without sources.
    [[nodiscard]] Result<std::vector<SurveyDraft>> drafts();
    /// A draft read back as a survey; nullopt when there is no such draft.
    [[nodiscard]] Result<std::optional<DraftReview>> review(const std::string& draftId);
    /// Deletes a draft (audited as "survey-discard"); an error if there is none.
    [[nodiscard]] Status discard(const std::string& draftId, const std::string& user);
    /// Publishes a draft to the targets in one transaction and removes the draft (audited as
    /// "survey-publish"). An error, with nothing published, when there is no such draft, no target, a unit
    /// or group that does not exist, or the version is published already with another definition.
    [[nodiscard]] Result<PublishedSurvey> publish(const std::string& draftId, const PublishTargets& targets, const std::string& user);
    /// Lints a definition and publishes it at once, without a draft (the command line). The problems go
    /// to `problems`; an error when there are lint errors (nothing is published) or publishing fails.
    [[nodiscard]] Result<PublishedSurvey> publishDefinition(std::string_view fileName, std::string_view bytes, const PublishTargets& targets,
                                                            const std::string& user, std::vector<LintProblem>& problems);
    /// Every published version, oldest first, with its title, consent text and where it is published.
    [[nodiscard]] Result<std::vector<SurveyVersion>> versions();
    /// Retires a published version (storage.hpp: retireSurvey), audited as "survey-retire".
    [[nodiscard]] Status retire(const std::string& surveyId, const std::string& version, const std::string& user);

private:
    [[nodiscard]] Result<PublishedSurvey> publishLoaded(const shared::LoadResult& loaded, std::string_view bytes,
                                                        const PublishTargets& targets, const std::string& user);
    [[nodiscard]] Status audit(const std::string& user, const std::string& action, const std::string& detail);

    Storage& m_storage;
    Clock m_clock;
};

}  // namespace svarboks::server
