// SqliteStorage: published surveys and the units they are assigned to.
#include "pool.hpp"

#include "svarboks/server/sqlite_storage.hpp"

namespace svarboks::server {

Status SqliteStorage::publishSurvey(const PublishedSurvey& survey, const std::string& unitId) {
    return m_pool->write("cannot publish", [&](Work& work) -> Status {
        if (unitId != kAllUnits) {
            if (Status unit = requireUnit(work, unitId); !unit) return unit;
        }
        auto existing = work.query("SELECT definition_sha256 FROM surveys WHERE survey_id = ?1 AND version = ?2");
        existing.text(1, survey.surveyId).text(2, survey.version);
        auto published = work.one(existing, [](const sqlite::Query& row) { return row.textAt(0); });
        if (!published) return Error{published.error().message};
        if (*published && **published != survey.definitionSha256) {
            return Error{"survey " + survey.surveyId + " " + survey.version +
                         " is already published with another definition; a published version never changes "
                         "(responses carry its hashes): give the survey a new surveyVersion"};
        }
        if (!*published) {
            auto insert = work.query("INSERT INTO surveys (survey_id, version, definition, definition_sha256, consent_sha256) "
                                     "VALUES (?1, ?2, ?3, ?4, ?5)");
            insert.text(1, survey.surveyId).text(2, survey.version).text(3, survey.definition);
            insert.text(4, survey.definitionSha256).text(5, survey.consentSha256);
            if (Status done = work.run(insert); !done) return done;
        }
        auto assign = work.query("INSERT OR REPLACE INTO survey_units (survey_id, version, unit_id, published_seq) "
                                 "VALUES (?1, ?2, ?3, (SELECT coalesce(max(published_seq), 0) + 1 FROM survey_units))");
        assign.text(1, survey.surveyId).text(2, survey.version).text(3, unitId);
        return work.run(assign);
    });
}

Result<std::vector<PublishedSurvey>> SqliteStorage::surveys() {
    return m_pool->read(kCannotRead, [&](Work& work) -> Result<std::vector<PublishedSurvey>> {
        auto query = work.query(
            "SELECT s.survey_id, s.version, s.definition_sha256, s.consent_sha256, a.unit_id "
            "FROM surveys s JOIN survey_units a ON a.survey_id = s.survey_id AND a.version = s.version "
            "ORDER BY (SELECT min(published_seq) FROM survey_units f WHERE f.survey_id = s.survey_id AND f.version = s.version), "
            "a.published_seq");
        std::vector<PublishedSurvey> surveys;
        const bool read = query.each([&] {
            if (surveys.empty() || surveys.back().surveyId != query.textAt(0) || surveys.back().version != query.textAt(1)) {
                surveys.push_back({query.textAt(0), query.textAt(1), "", query.textAt(2), query.textAt(3), {}});
            }
            surveys.back().units.push_back(query.textAt(4));
        });
        if (!read) return work.fail();
        return surveys;
    });
}

Result<std::optional<PublishedSurvey>> SqliteStorage::currentSurvey(const std::string& unitId) {
    return m_pool->read(kCannotRead, [&](Work& work) {
        auto query = work.query(
            "SELECT s.survey_id, s.version, s.definition, s.definition_sha256, s.consent_sha256, a.unit_id "
            "FROM survey_units a JOIN surveys s ON s.survey_id = a.survey_id AND s.version = a.version "
            "WHERE a.unit_id IN (?1, '*') ORDER BY a.published_seq DESC LIMIT 1");
        query.text(1, unitId);
        return work.one(query, [](const sqlite::Query& row) {
            return PublishedSurvey{row.textAt(0), row.textAt(1), row.textAt(2), row.textAt(3), row.textAt(4), {row.textAt(5)}};
        });
    });
}

Result<std::optional<PublishedSurvey>> SqliteStorage::findSurvey(const std::string& surveyId, const std::string& version,
                                                                 const std::string& unitId) {
    return m_pool->read(kCannotRead, [&](Work& work) {
        auto query = work.query(
            "SELECT s.definition_sha256, s.consent_sha256, "
            "(SELECT a.unit_id FROM survey_units a WHERE a.survey_id = s.survey_id AND a.version = s.version "
            " AND a.unit_id IN (?3, '*') LIMIT 1) "
            "FROM surveys s WHERE s.survey_id = ?1 AND s.version = ?2");
        query.text(1, surveyId).text(2, version).text(3, unitId);
        return work.one(query, [&](const sqlite::Query& row) {
            PublishedSurvey survey{surveyId, version, "", row.textAt(0), row.textAt(1), {}};
            if (!row.isNull(2)) survey.units.push_back(row.textAt(2));
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

}  // namespace svarboks::server
