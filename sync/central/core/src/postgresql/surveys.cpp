// PostgresStorage: published surveys, the units and groups they are assigned to, and drafts. Publishing
// and retiring hold the store lock exclusively (the publication numbers count over the whole store).
#include "pool.hpp"

#include "svarboks/server/postgresql_storage.hpp"

#include <utility>

namespace svarboks::server {

namespace {

// The next publication's number, over both assignment tables: the latest publication wins.
constexpr std::string_view kNextSeq =
    "(SELECT greatest(coalesce((SELECT max(published_seq) FROM survey_units), 0), "
    "coalesce((SELECT max(published_seq) FROM survey_groups), 0)) + 1)";

// Stores the version unless it is there (with the same definition), within the caller's transaction.
Status storeVersion(PgWork& work, const PublishedSurvey& survey) {
    auto published = work.one("SELECT definition_sha256 FROM surveys WHERE survey_id = $1 AND version = $2",
                              pq::Params().text(survey.surveyId).text(survey.version), [](const pq::Rows& rows, int i) { return rows.text(i, 0); });
    if (!published) return Error{published.error().message};
    if (*published && **published != survey.definitionSha256) {
        return Error{"survey " + survey.surveyId + " " + survey.version +
                     " is already published with another definition; a published version never changes "
                     "(responses carry its hashes): give the survey a new surveyVersion"};
    }
    if (*published) return {};
    return work.run("INSERT INTO surveys (survey_id, version, definition, definition_sha256, consent_sha256) VALUES ($1, $2, $3, $4, $5)",
                    pq::Params().text(survey.surveyId).text(survey.version).text(survey.definition).text(survey.definitionSha256).text(survey.consentSha256));
}

Status assignUnit(PgWork& work, const PublishedSurvey& survey, const std::string& unitId) {
    if (unitId != kAllUnits) {
        if (Status unit = requirePgUnit(work, unitId); !unit) return unit;
    }
    return work.run("INSERT INTO survey_units (survey_id, version, unit_id, published_seq) VALUES ($1, $2, $3, " + std::string(kNextSeq) +
                        ") ON CONFLICT (survey_id, version, unit_id) DO UPDATE SET published_seq = excluded.published_seq",
                    pq::Params().text(survey.surveyId).text(survey.version).text(unitId));
}

Status assignGroup(PgWork& work, const PublishedSurvey& survey, const std::string& group) {
    auto count = work.integer("SELECT count(*) FROM units WHERE group_name = $1 AND $1 <> ''", pq::Params().text(group));
    if (!count) return Error{count.error().message};
    if (*count == 0) return Error{"there is no unit in group '" + group + "' (put one in it with: units group ID " + group + ")"};
    return work.run("INSERT INTO survey_groups (survey_id, version, group_name, published_seq) VALUES ($1, $2, $3, " + std::string(kNextSeq) +
                        ") ON CONFLICT (survey_id, version, group_name) DO UPDATE SET published_seq = excluded.published_seq",
                    pq::Params().text(survey.surveyId).text(survey.version).text(group));
}

SurveyDraft draftFrom(const pq::Rows& rows, int i, bool withSource) {
    SurveyDraft draft{rows.text(i, 0), rows.text(i, 1), rows.text(i, 2), rows.text(i, 3), "", rows.text(i, 4), rows.text(i, 5), rows.integer(i, 6)};
    if (withSource) draft.source = rows.text(i, 7);
    return draft;
}

}  // namespace

Status PostgresStorage::publishSurvey(const PublishedSurvey& survey, const std::string& unitId) {
    return m_pool->write("cannot publish", [&](PgWork& work) -> Status {
        if (Status locked = work.lockStore(true); !locked) return locked;
        if (unitId != kAllUnits) {
            if (Status unit = requirePgUnit(work, unitId); !unit) return unit;
        }
        if (Status stored = storeVersion(work, survey); !stored) return stored;
        return assignUnit(work, survey, unitId);
    });
}

Status PostgresStorage::publishSurveyTo(const PublishedSurvey& survey, const PublishTargets& targets) {
    if (targets.empty()) return Error{"cannot publish: choose every unit, a group or a unit"};
    return m_pool->write("cannot publish", [&](PgWork& work) -> Status {
        if (Status locked = work.lockStore(true); !locked) return locked;
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

Status PostgresStorage::retireSurvey(const std::string& surveyId, const std::string& version, const std::string& today) {
    return m_pool->write(kPgCannotWrite, [&](PgWork& work) -> Status {
        if (Status locked = work.lockStore(true); !locked) return locked;
        return work.change("UPDATE surveys SET retired_on = CASE retired_on WHEN '' THEN $3 ELSE retired_on END WHERE survey_id = $1 AND version = $2",
                           pq::Params().text(surveyId).text(version).text(today), "survey " + surveyId + " " + version + " is not published");
    });
}

Result<std::vector<PublishedSurvey>> PostgresStorage::surveys() {
    return m_pool->read(kPgCannotRead, [&](PgWork& work) -> Result<std::vector<PublishedSurvey>> {
        // Each assignment with its kind ('u' unit, 'g' group), ordered by the version's first publication.
        auto rows = work.exec(
            "WITH assigned AS ("
            " SELECT survey_id, version, text 'u' AS kind, unit_id AS target, published_seq FROM survey_units"
            " UNION ALL SELECT survey_id, version, 'g', group_name, published_seq FROM survey_groups) "
            "SELECT s.survey_id, s.version, s.definition_sha256, s.consent_sha256, s.retired_on, a.kind, a.target "
            "FROM surveys s JOIN assigned a ON a.survey_id = s.survey_id AND a.version = s.version "
            "ORDER BY (SELECT min(published_seq) FROM assigned f WHERE f.survey_id = s.survey_id AND f.version = s.version), "
            "a.published_seq");
        if (!rows) return rows.error();
        std::vector<PublishedSurvey> surveys;
        for (int i = 0; i < rows->size(); ++i) {
            if (surveys.empty() || surveys.back().surveyId != rows->text(i, 0) || surveys.back().version != rows->text(i, 1)) {
                PublishedSurvey survey{rows->text(i, 0), rows->text(i, 1), "", rows->text(i, 2), rows->text(i, 3), {}};
                survey.retiredOn = rows->text(i, 4);
                surveys.push_back(std::move(survey));
            }
            (rows->text(i, 5) == "g" ? surveys.back().groups : surveys.back().units).push_back(rows->text(i, 6));
        }
        return surveys;
    });
}

Result<std::optional<PublishedSurvey>> PostgresStorage::currentSurvey(const std::string& unitId) {
    return m_pool->read(kPgCannotRead, [&](PgWork& work) {
        return work.one(
            "WITH assigned AS ("
            " SELECT survey_id, version, unit_id AS target, published_seq FROM survey_units WHERE unit_id IN ($1, '*')"
            " UNION ALL SELECT survey_id, version, 'group:' || group_name, published_seq FROM survey_groups"
            " WHERE group_name = (SELECT group_name FROM units WHERE id = $1 AND group_name <> '')) "
            "SELECT s.survey_id, s.version, s.definition, s.definition_sha256, s.consent_sha256, a.target "
            "FROM assigned a JOIN surveys s ON s.survey_id = a.survey_id AND s.version = a.version "
            "WHERE s.retired_on = '' ORDER BY a.published_seq DESC LIMIT 1",
            pq::Params().text(unitId), [](const pq::Rows& rows, int i) {
                PublishedSurvey survey{rows.text(i, 0), rows.text(i, 1), rows.text(i, 2), rows.text(i, 3), rows.text(i, 4), {}};
                const std::string target = rows.text(i, 5);
                if (target.rfind("group:", 0) == 0) survey.groups.push_back(target.substr(6));
                else survey.units.push_back(target);
                return survey;
            });
    });
}

Result<std::optional<PublishedSurvey>> PostgresStorage::findSurvey(const std::string& surveyId, const std::string& version, const std::string& unitId) {
    return m_pool->read(kPgCannotRead, [&](PgWork& work) {
        return work.one(
            "SELECT s.definition_sha256, s.consent_sha256, s.retired_on, "
            "(SELECT a.unit_id FROM survey_units a WHERE a.survey_id = s.survey_id AND a.version = s.version "
            " AND a.unit_id IN ($3, '*') LIMIT 1), "
            "(SELECT g.group_name FROM survey_groups g JOIN units u ON u.group_name = g.group_name "
            " WHERE g.survey_id = s.survey_id AND g.version = s.version AND u.id = $3 LIMIT 1) "
            "FROM surveys s WHERE s.survey_id = $1 AND s.version = $2",
            pq::Params().text(surveyId).text(version).text(unitId), [&](const pq::Rows& rows, int i) {
                PublishedSurvey survey{surveyId, version, "", rows.text(i, 0), rows.text(i, 1), {}};
                survey.retiredOn = rows.text(i, 2);
                if (!rows.isNull(i, 3)) survey.units.push_back(rows.text(i, 3));
                if (!rows.isNull(i, 4)) survey.groups.push_back(rows.text(i, 4));
                return survey;
            });
    });
}

Result<std::optional<std::string>> PostgresStorage::surveyDefinition(const std::string& surveyId, const std::string& version) {
    return m_pool->read(kPgCannotRead, [&](PgWork& work) {
        return work.one("SELECT definition FROM surveys WHERE survey_id = $1 AND version = $2", pq::Params().text(surveyId).text(version),
                        [](const pq::Rows& rows, int i) { return rows.text(i, 0); });
    });
}

Status PostgresStorage::addDraft(const SurveyDraft& draft) {
    return m_pool->read(kPgCannotWrite, [&](PgWork& work) {
        return work.insert("INSERT INTO survey_drafts (id, file_name, uploaded_by, uploaded_at, source, survey_id, version, warnings) "
                           "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                           pq::Params()
                               .text(draft.id)
                               .text(draft.fileName)
                               .text(draft.uploadedBy)
                               .text(draft.uploadedAt)
                               .text(draft.source)
                               .text(draft.surveyId)
                               .text(draft.version)
                               .integer(draft.warnings),
                           "draft '" + draft.id + "' already exists");
    });
}

Result<std::vector<SurveyDraft>> PostgresStorage::drafts() {
    return m_pool->read(kPgCannotRead, [&](PgWork& work) {
        return work.all("SELECT id, file_name, uploaded_by, uploaded_at, survey_id, version, warnings FROM survey_drafts ORDER BY uploaded_at DESC, id", {},
                        [](const pq::Rows& rows, int i) { return draftFrom(rows, i, false); });
    });
}

Result<std::optional<SurveyDraft>> PostgresStorage::findDraft(const std::string& id) {
    return m_pool->read(kPgCannotRead, [&](PgWork& work) {
        return work.one("SELECT id, file_name, uploaded_by, uploaded_at, survey_id, version, warnings, source FROM survey_drafts WHERE id = $1",
                        pq::Params().text(id), [](const pq::Rows& rows, int i) { return draftFrom(rows, i, true); });
    });
}

Status PostgresStorage::removeDraft(const std::string& id) {
    return m_pool->read(kPgCannotWrite, [&](PgWork& work) {
        return work.change("DELETE FROM survey_drafts WHERE id = $1", pq::Params().text(id), "there is no draft '" + id + "'");
    });
}

}  // namespace svarboks::server
