// SqliteStorage: published surveys, the units and groups they are assigned to, and drafts.
#include "pool.hpp"

#include "svarboks/server/sqlite_storage.hpp"

#include <map>
#include <utility>

namespace svarboks::server {

namespace {

// The next publication's number, over both assignment tables: the latest publication wins.
constexpr std::string_view kNextSeq =
    "(SELECT max(coalesce((SELECT max(published_seq) FROM survey_units), 0), "
    "coalesce((SELECT max(published_seq) FROM survey_groups), 0)) + 1)";

// Stores the version unless it is there (with the same definition), within the caller's transaction.
Status storeVersion(Work& work, const PublishedSurvey& survey) {
    auto existing = work.query("SELECT definition_sha256 FROM surveys WHERE survey_id = ?1 AND version = ?2");
    existing.text(1, survey.surveyId).text(2, survey.version);
    auto published = work.one(existing, [](const sqlite::Query& row) { return row.textAt(0); });
    if (!published) return Error{published.error().message};
    if (*published && **published != survey.definitionSha256) {
        return Error{"survey " + survey.surveyId + " " + survey.version +
                     " is already published with another definition; a published version never changes "
                     "(responses carry its hashes): give the survey a new surveyVersion"};
    }
    if (*published) return {};
    auto insert = work.query("INSERT INTO surveys (survey_id, version, definition, definition_sha256, consent_sha256) "
                             "VALUES (?1, ?2, ?3, ?4, ?5)");
    insert.text(1, survey.surveyId).text(2, survey.version).text(3, survey.definition);
    insert.text(4, survey.definitionSha256).text(5, survey.consentSha256);
    return work.run(insert);
}

Status assignUnit(Work& work, const PublishedSurvey& survey, const std::string& unitId) {
    if (unitId != kAllUnits) {
        if (Status unit = requireUnit(work, unitId); !unit) return unit;
    }
    auto assign = work.query("INSERT OR REPLACE INTO survey_units (survey_id, version, unit_id, published_seq) VALUES (?1, ?2, ?3, " +
                             std::string(kNextSeq) + ")");
    assign.text(1, survey.surveyId).text(2, survey.version).text(3, unitId);
    return work.run(assign);
}

Status assignGroup(Work& work, const PublishedSurvey& survey, const std::string& group) {
    auto members = work.query("SELECT count(*) FROM units WHERE group_name = ?1 AND ?1 <> ''");
    members.text(1, group);
    auto count = work.integer(members);
    if (!count) return Error{count.error().message};
    if (*count == 0) return Error{"there is no unit in group '" + group + "' (put one in it with: units group ID " + group + ")"};
    auto assign = work.query("INSERT OR REPLACE INTO survey_groups (survey_id, version, group_name, published_seq) VALUES (?1, ?2, ?3, " +
                             std::string(kNextSeq) + ")");
    assign.text(1, survey.surveyId).text(2, survey.version).text(3, group);
    return work.run(assign);
}

SurveyDraft draftFrom(const sqlite::Query& row, bool withSource) {
    SurveyDraft draft{row.textAt(0), row.textAt(1), row.textAt(2), row.textAt(3), "", row.textAt(4), row.textAt(5), row.integerAt(6)};
    if (withSource) draft.source = row.textAt(7);
    return draft;
}

}  // namespace

Status SqliteStorage::publishSurvey(const PublishedSurvey& survey, const std::string& unitId) {
    return m_pool->write("cannot publish", [&](Work& work) -> Status {
        if (unitId != kAllUnits) {
            if (Status unit = requireUnit(work, unitId); !unit) return unit;
        }
        if (Status stored = storeVersion(work, survey); !stored) return stored;
        return assignUnit(work, survey, unitId);
    });
}

Status SqliteStorage::publishSurveyTo(const PublishedSurvey& survey, const PublishTargets& targets) {
    if (targets.empty()) return Error{"cannot publish: choose every unit, a group or a unit"};
    return m_pool->write("cannot publish", [&](Work& work) -> Status {
        if (Status stored = storeVersion(work, survey); !stored) return stored;
        if (targets.all) {
            if (Status done = assignUnit(work, survey, kAllUnits); !done) return done;
        }
        for (const auto& group : targets.groups) {
            if (Status done = assignGroup(work, survey, group); !done) return done;
        }
        for (const auto& unit : targets.units) {
            if (Status done = assignUnit(work, survey, unit); !done) return done;
        }
        return {};
    });
}

Status SqliteStorage::retireSurvey(const std::string& surveyId, const std::string& version, const std::string& today) {
    return m_pool->write(kCannotWrite, [&](Work& work) {
        auto query = work.query("UPDATE surveys SET retired_on = CASE retired_on WHEN '' THEN ?3 ELSE retired_on END "
                                "WHERE survey_id = ?1 AND version = ?2");
        query.text(1, surveyId).text(2, version).text(3, today);
        return work.change(query, "survey " + surveyId + " " + version + " is not published");
    });
}

Result<std::vector<PublishedSurvey>> SqliteStorage::surveys() {
    return m_pool->read(kCannotRead, [&](Work& work) -> Result<std::vector<PublishedSurvey>> {
        // Each assignment with its kind ('u' unit, 'g' group), ordered by the version's first publication.
        auto query = work.query(
            "WITH assigned AS ("
            " SELECT survey_id, version, 'u' AS kind, unit_id AS target, published_seq FROM survey_units"
            " UNION ALL SELECT survey_id, version, 'g', group_name, published_seq FROM survey_groups) "
            "SELECT s.survey_id, s.version, s.definition_sha256, s.consent_sha256, s.retired_on, a.kind, a.target "
            "FROM surveys s JOIN assigned a ON a.survey_id = s.survey_id AND a.version = s.version "
            "ORDER BY (SELECT min(published_seq) FROM assigned f WHERE f.survey_id = s.survey_id AND f.version = s.version), "
            "a.published_seq");
        std::vector<PublishedSurvey> surveys;
        const bool read = query.each([&] {
            if (surveys.empty() || surveys.back().surveyId != query.textAt(0) || surveys.back().version != query.textAt(1)) {
                PublishedSurvey survey{query.textAt(0), query.textAt(1), "", query.textAt(2), query.textAt(3), {}};
                survey.retiredOn = query.textAt(4);
                surveys.push_back(std::move(survey));
            }
            (query.textAt(5) == "g" ? surveys.back().groups : surveys.back().units).push_back(query.textAt(6));
        });
        if (!read) return work.fail();
        return surveys;
    });
}

Result<std::optional<PublishedSurvey>> SqliteStorage::currentSurvey(const std::string& unitId) {
    return m_pool->read(kCannotRead, [&](Work& work) {
        auto query = work.query(
            "WITH assigned AS ("
            " SELECT survey_id, version, unit_id AS target, published_seq FROM survey_units WHERE unit_id IN (?1, '*')"
            " UNION ALL SELECT survey_id, version, 'group:' || group_name, published_seq FROM survey_groups"
            " WHERE group_name = (SELECT group_name FROM units WHERE id = ?1 AND group_name <> '')) "
            "SELECT s.survey_id, s.version, s.definition, s.definition_sha256, s.consent_sha256, a.target "
            "FROM assigned a JOIN surveys s ON s.survey_id = a.survey_id AND s.version = a.version "
            "WHERE s.retired_on = '' ORDER BY a.published_seq DESC LIMIT 1");
        query.text(1, unitId);
        return work.one(query, [](const sqlite::Query& row) {
            PublishedSurvey survey{row.textAt(0), row.textAt(1), row.textAt(2), row.textAt(3), row.textAt(4), {}};
            const std::string target = row.textAt(5);
            if (target.rfind("group:", 0) == 0) survey.groups.push_back(target.substr(6));
            else survey.units.push_back(target);
            return survey;
        });
    });
}

Result<std::optional<PublishedSurvey>> SqliteStorage::findSurvey(const std::string& surveyId, const std::string& version,
                                                                 const std::string& unitId) {
    return m_pool->read(kCannotRead, [&](Work& work) {
        auto query = work.query(
            "SELECT s.definition_sha256, s.consent_sha256, s.retired_on, "
            "(SELECT a.unit_id FROM survey_units a WHERE a.survey_id = s.survey_id AND a.version = s.version "
            " AND a.unit_id IN (?3, '*') LIMIT 1), "
            "(SELECT g.group_name FROM survey_groups g JOIN units u ON u.group_name = g.group_name "
            " WHERE g.survey_id = s.survey_id AND g.version = s.version AND u.id = ?3 LIMIT 1) "
            "FROM surveys s WHERE s.survey_id = ?1 AND s.version = ?2");
        query.text(1, surveyId).text(2, version).text(3, unitId);
        return work.one(query, [&](const sqlite::Query& row) {
            PublishedSurvey survey{surveyId, version, "", row.textAt(0), row.textAt(1), {}};
            survey.retiredOn = row.textAt(2);
            if (!row.isNull(3)) survey.units.push_back(row.textAt(3));
            if (!row.isNull(4)) survey.groups.push_back(row.textAt(4));
            return survey;
        });
    });
}

Result<std::optional<std::string>> SqliteStorage::surveyDefinition(const std::string& surveyId, const std::string& version) {
    return m_pool->read(kCannotRead, [&](Work& work) {
        auto query = work.query("SELECT definition FROM surveys WHERE survey_id = ?1 AND version = ?2");
        query.text(1, surveyId).text(2, version);
        return work.one(query, [](const sqlite::Query& row) { return row.textAt(0); });
    });
}

Status SqliteStorage::addDraft(const SurveyDraft& draft) {
    return m_pool->write(kCannotWrite, [&](Work& work) {
        auto query = work.query("INSERT INTO survey_drafts (id, file_name, uploaded_by, uploaded_at, source, survey_id, version, warnings) "
                                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
        query.text(1, draft.id).text(2, draft.fileName).text(3, draft.uploadedBy).text(4, draft.uploadedAt);
        query.text(5, draft.source).text(6, draft.surveyId).text(7, draft.version).integer(8, draft.warnings);
        return work.insert(query, "draft '" + draft.id + "' already exists");
    });
}

Result<std::vector<SurveyDraft>> SqliteStorage::drafts() {
    return m_pool->read(kCannotRead, [&](Work& work) {
        auto query = work.query("SELECT id, file_name, uploaded_by, uploaded_at, survey_id, version, warnings FROM survey_drafts "
                                "ORDER BY uploaded_at DESC, id");
        return work.all(query, [](const sqlite::Query& row) { return draftFrom(row, false); });
    });
}

Result<std::optional<SurveyDraft>> SqliteStorage::findDraft(const std::string& id) {
    return m_pool->read(kCannotRead, [&](Work& work) {
        auto query = work.query("SELECT id, file_name, uploaded_by, uploaded_at, survey_id, version, warnings, source FROM survey_drafts "
                                "WHERE id = ?1");
        query.text(1, id);
        return work.one(query, [](const sqlite::Query& row) { return draftFrom(row, true); });
    });
}

Status SqliteStorage::removeDraft(const std::string& id) {
    return m_pool->write(kCannotWrite, [&](Work& work) {
        auto query = work.query("DELETE FROM survey_drafts WHERE id = ?1");
        query.text(1, id);
        return work.change(query, "there is no draft '" + id + "'");
    });
}

}  // namespace svarboks::server
