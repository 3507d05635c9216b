#pragma once
// Read aloud: what a respondent screen says (pure, from its view), and the speaker that says it with the
// espeak-ng speech engine on the device itself; nothing leaves it. libespeak-ng is loaded with dlopen the
// first time something is said, so a kiosk nobody asks to read aloud has neither it nor an audio device
// open. Synthesis runs on the speaker's own thread and streams to an AudioOutput (the SDL audio device in
// the kiosk, platform_sdl.cpp; a buffer in tests), so the screen never waits for it.
#include "svarboks/client/views.hpp"
#include "svarboks/shared/result.hpp"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace svarboks::client {

/// What to say, and in which language (a survey locale such as "da" or "en": the espeak-ng voice of that name).
struct Utterance {
    std::string language;
    std::vector<std::string> parts;  ///< in reading order: a title, a paragraph, one option...
    bool operator==(const Utterance&) const = default;

    /// The parts as one text for the engine, each ending a sentence (a full stop is added where a part has
    /// no closing punctuation), so the voice pauses between options; bullets of list items are dropped.
    [[nodiscard]] std::string text() const;
};

/// What the respondent screen of `view` reads aloud, in the order it shows it: welcome (title, description,
/// the anonymity note), consent (title, paragraphs), a question (title, help text, paragraphs, the answer
/// options, the ends of a rating scale, the hint) and the profile (title, note, each area's name, level
/// and advice). No parts for every other screen. Pure.
[[nodiscard]] std::vector<std::string> spokenParts(const ScreenView& view);

/// Where speech is played: mono signed 16-bit samples. Every call is thread-safe: the speaker opens and plays
/// from its worker thread, and clears and asks from the UI thread.
class AudioOutput {
public:
    virtual ~AudioOutput() = default;
    /// Makes the output ready for `sampleRate` samples a second; called before the first play(), and again
    /// after an error. An error says what is missing (no sound device, no audio driver).
    [[nodiscard]] virtual shared::Status open(int sampleRate) = 0;
    /// Queues samples after those queued before; returns at once.
    virtual void play(std::span<const std::int16_t> samples) = 0;
    /// Drops what is queued and not yet played.
    virtual void clear() = 0;
    /// Whether queued samples are still being played. Thread-safe.
    [[nodiscard]] virtual bool playing() const = 0;
};

/// The espeak-ng voice that said something.
struct VoiceUsed {
    std::string name;      ///< e.g. "Danish"
    std::string language;  ///< e.g. "da", "en-gb"
};

/// Synthesises `text` with espeak-ng's voice for `language`, handing each piece of audio (mono, 16-bit, at
/// espeakSampleRate()) to `sink` as it is made; `sink` returns false to stop early. Loads libespeak-ng on
/// first use. An error says what is missing (the library, its data, a voice for the language). espeak-ng
/// is one engine per process: calls are serialised, so this blocks while another one runs.
[[nodiscard]] shared::Result<VoiceUsed> synthesise(std::string_view text, std::string_view language,
                                                   const std::function<bool(std::span<const std::int16_t>)>& sink);
/// The sample rate of synthesise()'s audio (loads libespeak-ng); an error as synthesise()'s.
[[nodiscard]] shared::Result<int> espeakSampleRate();

/// Reads utterances aloud, one at a time.
class Speaker {
public:
    virtual ~Speaker() = default;
    /// Starts saying `utterance`, cutting off anything being said. Returns at once.
    virtual void say(Utterance utterance) = 0;
    /// Stops at once: what has not been played yet is dropped.
    virtual void stop() = 0;
    /// Whether it is saying something (synthesising or playing).
    [[nodiscard]] virtual bool speaking() const = 0;
};

/// The kiosk's speaker: espeak-ng (synthesise()) streaming to `output` from a worker thread started on the
/// first say(). A failure (no libespeak-ng, no sound device, no voice) is written to stderr once for IT,
/// and the respondent hears nothing; problem() keeps it. say(), stop() and speaking() are for one thread
/// (the UI's); the destructor stops and joins the worker.
class EspeakSpeaker final : public Speaker {
public:
    explicit EspeakSpeaker(std::shared_ptr<AudioOutput> output);
    ~EspeakSpeaker() override;
    EspeakSpeaker(const EspeakSpeaker&) = delete;
    EspeakSpeaker& operator=(const EspeakSpeaker&) = delete;

    void say(Utterance utterance) override;
    void stop() override;
    [[nodiscard]] bool speaking() const override;
    /// Why the last utterance could not be said ("" when it could). Thread-safe.
    [[nodiscard]] std::string problem() const;
    /// The voice of the last utterance said (empty before one). Thread-safe.
    [[nodiscard]] std::optional<VoiceUsed> lastVoice() const;

private:
    void run();
    void speak(const Utterance& utterance, std::uint64_t generation);

    std::shared_ptr<AudioOutput> m_output;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::optional<Utterance> m_next;
    std::uint64_t m_generation = 0;  ///< bumped by say() and stop(): older speech stops
    bool m_synthesising = false;
    bool m_quit = false;
    int m_openRate = 0;              ///< the rate the output is open at (0 = not open)
    std::string m_problem;
    std::optional<VoiceUsed> m_lastVoice;
    std::thread m_worker;
};

}  // namespace svarboks::client
