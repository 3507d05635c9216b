#include "svarboks/client/sync_texts.hpp"

namespace svarboks::client {

namespace {

std::string number(std::int64_t value) { return std::to_string(value); }

}  // namespace

std::string SyncTexts::status(const sync::SyncStatus& status, sync::WallTime now) const {
    using State = sync::SyncStatus::State;
    std::string line;
    const std::string pending = t("sync_pending", {number(status.pending)});
    switch (status.state) {
        case State::Paused: line = t("sync_paused", {pausedReason()}) + "; " + pending; break;
        case State::Sending: line = t("sync_sending") + ", " + pending; break;
        case State::Waiting:
            line = t("sync_waiting", {status.nextAttempt ? wait(*status.nextAttempt - now) : t("sync_in_a_moment"), problem(status.waitReason)}) +
                   "; " + pending;
            break;
        case State::Idle: {
            const std::string lastSuccess = status.lastSuccess ? t("sync_last_success", {day(*status.lastSuccess, now)}) : t("sync_never");
            const std::string lastResult = result(status.lastResult);
            if (status.lastAttempt && !status.lastAttemptOk && !lastResult.empty()) {
                line = t("sync_last_attempt_failed", {day(*status.lastAttempt, now), lastResult}) + ", " + lastSuccess;
            } else {
                line = lastSuccess;
            }
            line += ", " + pending;
            if (status.pending > 0 && status.plannedSend) line += ", " + t("sync_planned", {wait(*status.plannedSend - now)});
            break;
        }
    }
    if (status.quarantined > 0) line += ", " + t("sync_quarantined", {number(status.quarantined)});
    if (status.held > 0) line += ", " + t("sync_held", {number(status.held)});
    if (const std::string note = surveyNote(status.surveyNote); !note.empty()) line += "; " + note;
    if (!status.localError.empty()) line += "; " + status.localError;
    return line;
}

std::string SyncTexts::result(const sync::SyncResult& result) const {
    using Survey = sync::SyncResult::Survey;
    if (result.problem.any()) {
        const std::string why = problem(result.problem);
        return result.surveyCheck ? t("sync_survey_check_failed", {why}) : why;
    }
    std::string text = result.delivery ? delivery(*result.delivery) : "";
    std::string survey;
    switch (result.survey) {
        case Survey::None: break;
        case Survey::UpToDate: survey = t("sync_survey_up_to_date"); break;
        case Survey::NotAssigned: survey = t("sync_survey_not_assigned"); break;
        case Survey::Checked: survey = t("sync_survey_checked"); break;
        case Survey::New: survey = t("sync_survey_new", {result.newSurvey}); break;
    }
    if (!survey.empty()) text += (text.empty() ? "" : "; ") + survey;
    return text;
}

std::string SyncTexts::pass(const sync::PassReport& report) const {
    using Outcome = sync::PassReport::Outcome;
    switch (report.outcome) {
        case Outcome::Delivered: return delivery(report.delivery);
        case Outcome::Scheduled: return t("sync_send_schedule_wait");
        case Outcome::Paused: return pausedReason();
        case Outcome::Cancelled: return t("sync_cancelled");
        case Outcome::NotDelivered:
        case Outcome::RetryLater:
        case Outcome::LocalError: break;
    }
    return problem(report.problem);
}

std::string SyncTexts::surveyFetch(const sync::SurveyFetch& fetch) const {
    using Outcome = sync::SurveyFetch::Outcome;
    switch (fetch.outcome) {
        case Outcome::Ready: return fetch.survey;
        case Outcome::Failed: return fetch.error.empty() ? pass(fetch.report) : fetch.error;
        case Outcome::NoSurvey: {
            std::string note = surveyNote(fetch.status.surveyNote);
            return note.empty() ? result(fetch.status.lastResult) : note;
        }
        case Outcome::Unreachable: break;
    }
    return fetch.report.problem.any() ? problem(fetch.report.problem) : result(fetch.status.lastResult);
}

std::string SyncTexts::problem(const sync::SyncProblem& problem) const {
    using Kind = sync::SyncProblem::Kind;
    switch (problem.kind) {
        case Kind::None: return "";
        case Kind::Transport: return t("sync_problem_transport", {problem.detail});
        case Kind::NotTheServer: return t("sync_problem_not_the_server");
        case Kind::Unconfirmed: return t("sync_problem_unconfirmed", {problem.detail});
        case Kind::ServerStatus:
            return problem.detail.empty() ? t("sync_problem_status", {std::to_string(problem.httpStatus)})
                                          : t("sync_problem_status_error", {std::to_string(problem.httpStatus), problem.detail});
        case Kind::TokenRefused: return t("sync_problem_token");
        case Kind::Local: return t("sync_problem_local", {problem.detail});
    }
    return "";
}

std::string SyncTexts::surveyNote(const sync::SurveyNote& note) const {
    using Kind = sync::SurveyNote::Kind;
    switch (note.kind) {
        case Kind::None: return "";
        case Kind::Refused: return t("sync_note_survey_refused", {note.detail});
        case Kind::NotAssigned: return t("sync_note_no_survey");
        case Kind::KeyDiffers: return t("sync_note_key_differs");
    }
    return "";
}

std::string SyncTexts::day(sync::LocalDay day, sync::WallTime now) const {
    const sync::LocalDay today = sync::localDayOf(now);
    if (day == today) return t("sync_today");
    if (day == today - std::chrono::days(1)) return t("sync_yesterday");
    return sync::isoDay(day);
}

std::string SyncTexts::delivery(const sync::Delivery& delivery) const {
    std::string text;
    if (delivery.batches == 0) {
        text = t("sync_nothing_to_send");
    } else if (delivery.rejected == 0) {
        text = t("sync_delivered", {number(delivery.accepted + delivery.duplicates), number(delivery.accepted), number(delivery.duplicates)});
    } else {
        text = t("sync_sent_rejected", {number(delivery.accepted + delivery.duplicates + delivery.rejected), number(delivery.accepted),
                                        number(delivery.duplicates), number(delivery.rejected)});
    }
    if (delivery.tooLarge > 0) {
        text += ", " + t(delivery.tooLarge == 1 ? "sync_too_large_one" : "sync_too_large_many", {number(delivery.tooLarge)});
    }
    return text;
}

std::string SyncTexts::wait(std::chrono::system_clock::duration wait) const {
    const auto secs = std::chrono::ceil<std::chrono::seconds>(wait).count();
    if (secs <= 0) return t("sync_in_a_moment");
    if (secs < 60) return t("sync_seconds", {number(secs)});
    if (secs < 90 * 60) return t("sync_minutes", {number((secs + 59) / 60)});
    return t("sync_hours", {number((secs + 1799) / 3600)});
}

}  // namespace svarboks::client
