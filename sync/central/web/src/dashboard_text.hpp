#pragma once
// Internal: the dashboard's words in Danish and English, and numbers written the way each language
// writes them. "{}" in a text is filled by fill(), in order.
#include "svarboks/server/report.hpp"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace svarboks::server::dashboard {

enum class Language { Danish, English };

struct Texts {
    std::string_view htmlLang;    ///< "da", "en"
    std::string_view locale;      ///< for survey texts
    std::string_view otherLanguage;  ///< the switch's label, in that language
    std::string_view skipToContent;
    std::string_view product;
    // navigation
    std::string_view navOverview, navCompare, navSurveys, navDeadLetters, signedInAs, signOut, navPassword, mainNavigation;
    // login
    std::string_view signInTitle, signInIntro, userName, password, signIn, loginRefused, loginThrottled, loginExpired,
        loggedOut, loginUnavailable, formRefusedTitle, formRefused;
    // filters
    std::string_view filters, survey, round, show, roundWeeks;
    // figures
    std::string_view fewerThan;   ///< "fewer than {}"
    std::string_view hiddenWord;  ///< "hidden"
    std::string_view legendTitle, legendFewer, legendSecondary;
    std::string_view respondents, total, unit, group, noGroup, municipality, area, level, share, choice, week, meanScore;
    // overview
    std::string_view overviewTitle, participationTitle, participationIntro, weeksShownNote, noWeeks, profileTitle,
        profileDescription, kiosks, kioskDevice, kioskEnrolled, kioskLastSeen, kioskState, never, revoked, active,
        kiosksNone, kiosksStaleNote, deadLetterCount, seeDeadLetters, downloads, downloadsIntro, downloadResponsesCsv,
        downloadResponsesDanish, downloadResponsesJsonl, codebook, codebookOf, downloadReportCsv, downloadReportDanish, statRespondents, statUnits,
        statKiosks, statDeadLetters, noSurvey, unitsLink;
    // unit page
    std::string_view unitProfileTitle, unitProfileDescription, levelsTitle, levelsDescription, questionsTitle, multipleNote,
        answeredBy, period, allPeriods, printedOn, printHint, reportFor, anonymityK, unknownUnit, noQuestions;
    // compare
    std::string_view compareTitle, compareIntro, compareUnitN, compareNone, compareChoose, compareChartTitle,
        compareChartDescription;
    // surveys
    std::string_view surveysTitle, surveysIntro, publishedTo, everyUnit, consentText, definitionDigest, consentDigest,
        surveysNone, languageNames;
    // dead letters
    std::string_view deadLettersTitle, deadLettersIntro, responseId, weekReceived, reason, deadLettersNone, deadLettersCapped;
    // errors
    std::string_view notFoundTitle, notFound, badRequestTitle, unavailableTitle, unavailable, backToOverview, busyDownloads;
    // rounds, roles and the audit log
    std::string_view navAudit, noRound, collectionTitle, collectionIntro, auditTitle, auditIntro, auditWhen, auditUser,
        auditAction, auditWhat, auditRows, auditNone, forbiddenTitle, forbidden, withheldNote;
};

[[nodiscard]] const Texts& texts(Language language);

/// Replaces each "{}" of `pattern` with the next argument.
[[nodiscard]] std::string fill(std::string_view pattern, std::initializer_list<std::string_view> args);

/// 1234567 as "1.234.567" (Danish) or "1,234,567" (English).
[[nodiscard]] std::string integer(Language language, std::int64_t value);
/// A share 0..1 as a whole percentage: "63 %" (Danish) or "63%" (English).
[[nodiscard]] std::string percent(Language language, double share);
/// A number of respondents as shown, or its hidden wording ("fewer than 5", "hidden"): never its value.
[[nodiscard]] std::string count(Language language, const Count& value, int k);
/// The wording of a hidden figure.
[[nodiscard]] std::string hiddenText(Language language, Hidden hidden, int k);

}  // namespace svarboks::server::dashboard
