// Read aloud: what each respondent screen says (pure), and what the real engine makes of it: espeak-ng's
// Danish and English voices synthesised to samples in memory, through the same code the kiosk's speaker uses.
#include "svarboks/client/kiosk_model.hpp"
#include "svarboks/client/speech.hpp"
#include "svarboks/client/views.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <thread>

using namespace svarboks;
using namespace std::chrono_literals;
using client::Intent;
using client::Screen;
using client::Utterance;

namespace {

struct Audio {
    std::vector<std::int16_t> samples;
    int rate = 0;
    double seconds() const { return static_cast<double>(samples.size()) / rate; }
    double rms() const {
        double sum = 0;
        for (const auto s : samples) sum += static_cast<double>(s) * s;
        return samples.empty() ? 0 : std::sqrt(sum / static_cast<double>(samples.size()));
    }
};

Audio synthesised(const std::string& text, const std::string& language, client::VoiceUsed& voice) {
    Audio audio;
    auto rate = client::espeakSampleRate();
    REQUIRE_MESSAGE(rate.ok(), (rate.ok() ? "" : rate.error().message));
    audio.rate = *rate;
    auto used = client::synthesise(text, language, [&](std::span<const std::int16_t> samples) {
        audio.samples.insert(audio.samples.end(), samples.begin(), samples.end());
        return true;
    });
    REQUIRE_MESSAGE(used.ok(), (used.ok() ? "" : used.error().message));
    voice = *used;
    return audio;
}

// A sound card that never plays: what is queued stays until clear().
class HeldOutput final : public client::AudioOutput {
public:
    shared::Status open(int sampleRate) override {
        std::lock_guard lock(m_mutex);
        m_rate = sampleRate;
        return {};
    }
    void play(std::span<const std::int16_t> samples) override {
        std::lock_guard lock(m_mutex);
        m_queued.insert(m_queued.end(), samples.begin(), samples.end());
    }
    void clear() override {
        std::lock_guard lock(m_mutex);
        m_queued.clear();
    }
    bool playing() const override {
        std::lock_guard lock(m_mutex);
        return !m_queued.empty();
    }
    std::size_t queued() const {
        std::lock_guard lock(m_mutex);
        return m_queued.size();
    }
    int rate() const {
        std::lock_guard lock(m_mutex);
        return m_rate;
    }

private:
    mutable std::mutex m_mutex;
    int m_rate = 0;
    std::vector<std::int16_t> m_queued;
};

client::ScreenView viewOf(const client::KioskModel& model) {
    static const auto texts = client::UiTexts::load(test::sourceDir() / "assets/ui/texts.json");
    REQUIRE(texts.ok());
    return client::makeScreenView(model, *texts, {}, client::TimePoint{} + 1000h);
}

}  // namespace

TEST_CASE("spoken: each respondent screen's own text, in the language it shows, in the order it shows it") {
    auto loaded = shared::loadSurveyFile(test::defaultSurveyPath());
    REQUIRE(loaded.ok());
    const auto survey = std::make_shared<const shared::Survey>(std::move(*loaded.survey));
    client::KioskModel model(survey, {}, [](std::string_view) { return false; });
    auto now = client::TimePoint{} + 1000h;

    auto parts = client::spokenParts(viewOf(model));
    REQUIRE(parts.size() == 3);
    CHECK(parts[0] == survey->title.text("da", "da"));
    CHECK(parts[2].starts_with("Anonymt"));
    model.apply(Intent::withText(Intent::Kind::SelectLocale, "en"), now);
    parts = client::spokenParts(viewOf(model));
    CHECK(parts[0] == survey->title.text("en", "da"));
    CHECK(parts[2].starts_with("Anonymous"));

    model.apply(Intent::of(Intent::Kind::Start), now);
    parts = client::spokenParts(viewOf(model));
    CHECK(parts.front() == "Before you start");
    CHECK(parts.size() >= 2);

    model.apply(Intent::of(Intent::Kind::AcceptConsent), now);
    model.apply(Intent::of(Intent::Kind::Next), now);  // past the introduction: where do you work?
    const auto question = std::get<client::QuestionView>(viewOf(model).content);
    parts = client::spokenParts(viewOf(model));
    REQUIRE(question.options.size() >= 2);
    CHECK(parts.front() == question.title);
    std::vector<std::string> expected{question.title};
    if (!question.description.empty()) expected.push_back(question.description);
    for (const auto& option : question.options) expected.push_back(option.label);
    if (!question.hint.empty()) expected.push_back(question.hint);
    CHECK(parts == expected);

    // The admin screens and the thank-you screen say nothing.
    client::ScreenView admin;
    admin.screen = Screen::Admin;
    admin.content = client::AdminView{};
    CHECK(client::spokenParts(admin).empty());
}

TEST_CASE("spoken: parts become sentences, so the voice pauses between options; bullets are not read") {
    const Utterance utterance{"da", {"Hvor arbejder du?", "Hjemmepleje", "• Plejecenter", "", "Andet: ", "Vælg én."}};
    CHECK(utterance.text() == "Hvor arbejder du? Hjemmepleje. Plejecenter. Andet: Vælg én.");
    CHECK(Utterance{"en", {}}.text().empty());
}

TEST_CASE("espeak-ng: Danish and English sentences become audible speech of a plausible length, in the voice of each language") {
    client::VoiceUsed danishVoice, englishVoice;
    const std::string danishText = "Hvor sikker er du på at bruge en computer på arbejdet?";
    const Audio danish = synthesised(danishText, "da", danishVoice);
    const Audio english = synthesised("How sure are you about using a computer at work?", "en", englishVoice);
    for (const Audio* audio : {&danish, &english}) {
        CHECK(audio->rate >= 16000);
        CHECK(audio->rms() > 1000);  // speech, not silence (a quiet room is under 100)
        // Ten words at about 150 a minute: some 4 s; anything from 1.5 to 10 s is a voice reading them.
        CHECK(audio->seconds() > 1.5);
        CHECK(audio->seconds() < 10);
    }
    CHECK(danishVoice.name == "Danish");
    CHECK(danishVoice.language == "da");
    CHECK(englishVoice.language.starts_with("en"));
    CHECK(englishVoice.name.starts_with("English"));

    // The same Danish words in the English voice sound different: the voice really follows the language.
    client::VoiceUsed otherVoice;
    const Audio misread = synthesised(danishText, "en", otherVoice);
    CHECK(misread.samples != danish.samples);
    CHECK(std::abs(misread.seconds() - danish.seconds()) > 0.05);

    const auto none = client::synthesise("Hej", "xx", [](std::span<const std::int16_t>) { return true; });
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().message == "espeak-ng has no voice for the language \"xx\"");

    // A sink that says stop ends the synthesis early.
    std::size_t pieces = 0;
    const auto stopped = client::synthesise(danishText + " " + danishText, "da", [&](std::span<const std::int16_t>) { return ++pieces < 2; });
    CHECK(stopped.ok());
    CHECK(pieces == 2);
}

TEST_CASE("the speaker: say() streams the voice to the output from its thread; stop() drops what is queued and nothing older follows") {
    const auto output = std::make_shared<HeldOutput>();
    client::EspeakSpeaker speaker(output);
    CHECK_FALSE(speaker.speaking());
    speaker.say({"da", {"Læs op", "Hvor arbejder du?"}});
    CHECK(speaker.speaking());  // at once, before a sample is made: the button turns to Stop
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!speaker.lastVoice() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
    REQUIRE(speaker.lastVoice().has_value());
    CHECK(output->rate() == *client::espeakSampleRate());
    CHECK(output->queued() >= static_cast<std::size_t>(output->rate()));  // over a second of speech, all of it queued
    CHECK(speaker.lastVoice()->language == "da");
    CHECK(speaker.problem().empty());

    speaker.say({"en", {"Read aloud", "Where do you work?"}});
    while (speaker.lastVoice()->language == "da" && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
    CHECK(speaker.lastVoice()->language.starts_with("en"));

    speaker.stop();
    CHECK_FALSE(speaker.speaking());
    CHECK(output->queued() == 0);
    std::this_thread::sleep_for(200ms);
    CHECK(output->queued() == 0);

    speaker.say({"xx", {"Hej"}});
    while (speaker.speaking() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
    CHECK_FALSE(speaker.speaking());
    CHECK(speaker.problem() == "espeak-ng has no voice for the language \"xx\"");
}
