#include "svarboks/client/speech.hpp"

#include <espeak-ng/speak_lib.h>

#include <dlfcn.h>

#include <iostream>

namespace svarboks::client {

namespace {

constexpr std::string_view kBullet = "• ";
constexpr int kChunkMs = 100;  // espeak-ng hands over audio in pieces this long: the first is heard at once
// A little slower than espeak-ng's 175 words a minute, for listeners who read Danish as a second language.
constexpr int kWordsPerMinute = 150;

bool endsSentence(std::string_view text) {
    for (const std::string_view end : {".", "!", "?", ":", ";", "…"}) {
        if (text.ends_with(end)) return true;
    }
    return false;
}

// libespeak-ng, opened on first use and kept until the process ends (it has global state and cannot be
// loaded twice). The kiosk does not link it, so an idle kiosk never maps it.
struct Espeak {
    decltype(&espeak_Initialize) initialize = nullptr;
    decltype(&espeak_SetSynthCallback) setSynthCallback = nullptr;
    decltype(&espeak_SetVoiceByName) setVoiceByName = nullptr;
    decltype(&espeak_GetCurrentVoice) currentVoice = nullptr;
    decltype(&espeak_SetParameter) setParameter = nullptr;
    decltype(&espeak_Synth) synth = nullptr;
    int sampleRate = 0;
    std::string error;  ///< why it cannot be used ("" = it can)
};

// espeak-ng is one engine per process, driven through a plain function callback: one synthesis at a time
// (under engineMutex()), and its sink in a global while it runs.
std::mutex& engineMutex() {
    static std::mutex mutex;
    return mutex;
}
const std::function<bool(std::span<const std::int16_t>)>* g_sink = nullptr;

int onSamples(short* samples, int count, espeak_EVENT*) {
    if (samples == nullptr || count <= 0 || g_sink == nullptr) return 0;
    return (*g_sink)(std::span<const std::int16_t>(samples, static_cast<std::size_t>(count))) ? 0 : 1;
}

template <typename F>
bool symbol(void* library, const char* name, F& function) {
    function = reinterpret_cast<F>(dlsym(library, name));
    return function != nullptr;
}

Espeak load() {
    Espeak espeak;
    void* library = dlopen("libespeak-ng.so.1", RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
        espeak.error = std::string("cannot load the speech engine libespeak-ng.so.1 (") + dlerror() +
                       "): install the Debian packages libespeak-ng1 and espeak-ng-data";
        return espeak;
    }
    if (!symbol(library, "espeak_Initialize", espeak.initialize) || !symbol(library, "espeak_SetSynthCallback", espeak.setSynthCallback) ||
        !symbol(library, "espeak_SetVoiceByName", espeak.setVoiceByName) || !symbol(library, "espeak_GetCurrentVoice", espeak.currentVoice) ||
        !symbol(library, "espeak_SetParameter", espeak.setParameter) || !symbol(library, "espeak_Synth", espeak.synth)) {
        espeak.error = "libespeak-ng.so.1 lacks a function the kiosk uses: install Debian 12's libespeak-ng1";
        return espeak;
    }
    // Synchronous: espeak_Synth returns when the text is done, having handed every piece to onSamples.
    // DONT_EXIT: missing data is an error value, not exit().
    espeak.sampleRate = espeak.initialize(AUDIO_OUTPUT_SYNCHRONOUS, kChunkMs, nullptr, espeakINITIALIZE_DONT_EXIT);
    if (espeak.sampleRate <= 0) {
        espeak.error = "espeak-ng cannot read its voices: install the Debian package espeak-ng-data";
        return espeak;
    }
    espeak.setSynthCallback(onSamples);
    return espeak;
}

// Call with engineMutex() held.
const Espeak& engine() {
    static const Espeak loaded = load();
    return loaded;
}

}  // namespace

std::string Utterance::text() const {
    std::string joined;
    for (const auto& part : parts) {
        std::string_view piece = part;
        if (piece.starts_with(kBullet)) piece.remove_prefix(kBullet.size());
        while (!piece.empty() && (piece.back() == ' ' || piece.back() == '\n')) piece.remove_suffix(1);
        if (piece.empty()) continue;
        if (!joined.empty()) joined += ' ';
        joined += piece;
        if (!endsSentence(piece)) joined += '.';
    }
    return joined;
}

std::vector<std::string> spokenParts(const ScreenView& view) {
    std::vector<std::string> parts;
    const auto add = [&](const std::string& text) {
        if (!text.empty()) parts.push_back(text);
    };
    const auto addAll = [&](const std::vector<std::string>& texts) {
        for (const auto& text : texts) add(text);
    };
    if (const auto* welcome = std::get_if<WelcomeView>(&view.content)) {
        add(welcome->title);
        add(welcome->description);
        add(welcome->anonymousNote);
    } else if (const auto* consent = std::get_if<ConsentView>(&view.content)) {
        add(consent->title);
        addAll(consent->paragraphs);
    } else if (const auto* question = std::get_if<QuestionView>(&view.content)) {
        add(question->title);
        add(question->description);
        addAll(question->paragraphs);
        for (const auto& option : question->options) add(option.label);
        add(question->minLabel);
        add(question->maxLabel);
        add(question->hint);
    } else if (const auto* profile = std::get_if<ProfileView>(&view.content)) {
        add(profile->title);
        add(profile->note);
        for (const auto& area : profile->areas) {
            add(area.title);
            add(area.level);
            add(area.advice);
        }
    }
    return parts;
}

shared::Result<int> espeakSampleRate() {
    std::lock_guard lock(engineMutex());
    const Espeak& espeak = engine();
    if (!espeak.error.empty()) return shared::Error{espeak.error};
    return espeak.sampleRate;
}

shared::Result<VoiceUsed> synthesise(std::string_view text, std::string_view language,
                                     const std::function<bool(std::span<const std::int16_t>)>& sink) {
    std::lock_guard lock(engineMutex());
    const Espeak& espeak = engine();
    if (!espeak.error.empty()) return shared::Error{espeak.error};
    const std::string voiceName(language);
    if (espeak.setVoiceByName(voiceName.c_str()) != EE_OK) {
        return shared::Error{"espeak-ng has no voice for the language \"" + voiceName + "\""};
    }
    VoiceUsed used;
    if (const espeak_VOICE* voice = espeak.currentVoice()) {
        used.name = voice->name ? voice->name : "";
        used.language = voice->languages && voice->languages[0] ? voice->languages + 1 : "";  // after its priority byte
    }
    espeak.setParameter(espeakRATE, kWordsPerMinute, 0);
    const std::string copy(text);
    g_sink = &sink;
    const espeak_ERROR result = espeak.synth(copy.c_str(), copy.size() + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, nullptr, nullptr);
    g_sink = nullptr;
    if (result != EE_OK) return shared::Error{"espeak-ng could not synthesise the text (error " + std::to_string(result) + ")"};
    return used;
}

// ---- EspeakSpeaker ----

EspeakSpeaker::EspeakSpeaker(std::shared_ptr<AudioOutput> output) : m_output(std::move(output)) {}

EspeakSpeaker::~EspeakSpeaker() {
    {
        std::lock_guard lock(m_mutex);
        m_quit = true;
        ++m_generation;
    }
    m_wake.notify_all();
    if (m_worker.joinable()) m_worker.join();
}

void EspeakSpeaker::say(Utterance utterance) {
    {
        std::lock_guard lock(m_mutex);
        ++m_generation;
        m_next = std::move(utterance);
        m_synthesising = true;
        m_output->clear();
    }
    if (!m_worker.joinable()) m_worker = std::thread([this] { run(); });
    m_wake.notify_one();
}

void EspeakSpeaker::stop() {
    std::lock_guard lock(m_mutex);
    ++m_generation;
    m_next.reset();
    m_synthesising = false;
    m_output->clear();
}

bool EspeakSpeaker::speaking() const {
    std::lock_guard lock(m_mutex);
    return m_synthesising || m_output->playing();
}

std::string EspeakSpeaker::problem() const {
    std::lock_guard lock(m_mutex);
    return m_problem;
}

std::optional<VoiceUsed> EspeakSpeaker::lastVoice() const {
    std::lock_guard lock(m_mutex);
    return m_lastVoice;
}

void EspeakSpeaker::run() {
    for (;;) {
        Utterance utterance;
        std::uint64_t generation = 0;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_quit || m_next.has_value(); });
            if (m_quit) return;
            utterance = std::move(*m_next);
            m_next.reset();
            generation = m_generation;
        }
        speak(utterance, generation);
        std::lock_guard lock(m_mutex);
        if (m_generation == generation) m_synthesising = false;
    }
}

void EspeakSpeaker::speak(const Utterance& utterance, std::uint64_t generation) {
    std::string problem;
    std::optional<VoiceUsed> voice;
    if (auto rate = espeakSampleRate(); !rate) {
        problem = rate.error().message;
    } else if (m_openRate != *rate) {  // only this thread opens the output: no lock while it may take a while
        if (auto opened = m_output->open(*rate); !opened.ok()) problem = opened.message();
        else m_openRate = *rate;
    }
    if (problem.empty()) {
        auto said = synthesise(utterance.text(), utterance.language, [&](std::span<const std::int16_t> samples) {
            std::lock_guard lock(m_mutex);  // stop() clears the output under this lock: nothing older is queued after it
            if (m_generation != generation) return false;
            m_output->play(samples);
            return true;
        });
        if (said) voice = std::move(said).value();
        else problem = said.error().message;
    }
    std::lock_guard lock(m_mutex);
    if (!problem.empty() && problem != m_problem) std::cerr << "svarboks: read aloud: " << problem << "\n";
    m_problem = problem;
    if (voice) m_lastVoice = std::move(voice);
}

}  // namespace svarboks::client
