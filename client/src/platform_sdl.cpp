#include "platform.hpp"

#include "svarboks/client/keyboard_focus.hpp"
#include "svarboks/client/kiosk_shell.hpp"
#include "svarboks/client/screens.hpp"
#include "svarboks/client/speech.hpp"

#include <SDL.h>
#include <imgui.h>
#include <backends/imgui_impl_sdl.h>
#include <backends/imgui_impl_sdlrenderer.h>

#include <cfloat>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

namespace svarboks::platform {

namespace {

using client::Clock;

struct SdlWindow {
    SDL_Window* window = nullptr;
    SDL_Renderer* renderer = nullptr;
    SdlWindow() = default;
    SdlWindow(const SdlWindow&) = delete;
    SdlWindow& operator=(const SdlWindow&) = delete;
    ~SdlWindow() {
        if (renderer) SDL_DestroyRenderer(renderer);
        if (window) SDL_DestroyWindow(window);
        SDL_Quit();
    }
};

// Read aloud's sound: SDL's audio (its driver and the device) is opened only when the kiosk first speaks, on
// the speaker's thread. Every call locks, so the UI thread can clear and ask while that thread plays.
class SdlAudioOutput final : public client::AudioOutput {
public:
    SdlAudioOutput() = default;
    SdlAudioOutput(const SdlAudioOutput&) = delete;
    SdlAudioOutput& operator=(const SdlAudioOutput&) = delete;
    ~SdlAudioOutput() override { close(); }

    shared::Status open(int sampleRate) override {
        std::lock_guard lock(m_mutex);
        if (m_closed) return shared::Error{"the kiosk is closing"};
        closeDevice();
        if (!m_subsystem) {
            if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
                return shared::Error{std::string("no sound: SDL cannot start an audio driver: ") + SDL_GetError()};
            }
            m_subsystem = true;
        }
        SDL_AudioSpec wanted{};
        wanted.freq = sampleRate;
        wanted.format = AUDIO_S16SYS;
        wanted.channels = 1;
        wanted.samples = 1024;
        m_device = SDL_OpenAudioDevice(nullptr, 0, &wanted, nullptr, 0);  // SDL converts to what the device takes
        if (m_device == 0) {
            return shared::Error{std::string("no sound: cannot open a sound device through ") + SDL_GetCurrentAudioDriver() + ": " +
                                 SDL_GetError()};
        }
        SDL_PauseAudioDevice(m_device, 0);
        return {};
    }
    void play(std::span<const std::int16_t> samples) override {
        std::lock_guard lock(m_mutex);
        if (m_device != 0) SDL_QueueAudio(m_device, samples.data(), static_cast<Uint32>(samples.size_bytes()));
    }
    void clear() override {
        std::lock_guard lock(m_mutex);
        if (m_device != 0) SDL_ClearQueuedAudio(m_device);
    }
    bool playing() const override {
        std::lock_guard lock(m_mutex);
        return m_device != 0 && SDL_GetQueuedAudioSize(m_device) > 0;
    }
    /// Closes the device and SDL's audio for good: before SDL_Quit, while the speaker's thread may still run.
    void close() {
        std::lock_guard lock(m_mutex);
        m_closed = true;
        closeDevice();
        if (m_subsystem) SDL_QuitSubSystem(SDL_INIT_AUDIO);
        m_subsystem = false;
    }

private:
    void closeDevice() {
        if (m_device != 0) SDL_CloseAudioDevice(m_device);
        m_device = 0;
    }

    mutable std::mutex m_mutex;
    SDL_AudioDeviceID m_device = 0;
    bool m_subsystem = false;
    bool m_closed = false;
};

// The flat 2D screens are drawn by SDL's software renderer where it can: no OpenGL stack is loaded (under
// Mesa's llvmpipe that alone is more memory than the whole kiosk). SDL 2.26's Wayland backend has no
// software framebuffer, so there the only way to draw is EGL, and GLES2 is the lightest renderer on it
// (llvmpipe on a machine with no GPU). SVARBOKS_RENDERER (opengl, opengles2, software...) overrides.
std::string rendererFor(std::string_view videoDriver) {
    if (const char* forced = std::getenv("SVARBOKS_RENDERER"); forced && *forced) return forced;
    return videoDriver == "wayland" ? "opengles2" : "software";
}

// Opens SDL with the video driver it chooses, a window that covers the whole display (or is
// `options.width` x `options.height`), and its renderer. Null with `error` set when any step fails.
std::unique_ptr<SdlWindow> openWindow(const client::KioskOptions& options, std::string& error) {
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) {
        error = std::string("cannot open a display: ") + SDL_GetError();
        return nullptr;
    }
    auto sdl = std::make_unique<SdlWindow>();
    const std::string renderer = rendererFor(SDL_GetCurrentVideoDriver());
    const bool software = renderer == "software";
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, software ? "0" : "1");
    SDL_SetHint(SDL_HINT_RENDER_DRIVER, renderer.c_str());
    // Full screen: created at the display's own position and size, because with no window manager (a
    // plain xinit session) nothing resizes the window, and a default-sized one would hang off the screen.
    const bool windowed = options.width > 0;
    SDL_Rect area{SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, options.width, options.height};
    if (!windowed && SDL_GetDisplayBounds(0, &area) != 0) {
        error = std::string("cannot read the display's size: ") + SDL_GetError();
        return nullptr;
    }
    const Uint32 flags = SDL_WINDOW_ALLOW_HIGHDPI | (windowed ? SDL_WINDOW_RESIZABLE : SDL_WINDOW_FULLSCREEN_DESKTOP);
    sdl->window = SDL_CreateWindow("Svarboks", area.x, area.y, area.w, area.h, flags);
    // No vsync: frames are drawn on demand, and a compositor that stops calling for frames (its screen
    // off, or gone) would block a vsynced present, and with it the kiosk, for as long.
    if (sdl->window) sdl->renderer = SDL_CreateRenderer(sdl->window, -1, software ? SDL_RENDERER_SOFTWARE : SDL_RENDERER_ACCELERATED);
    if (!sdl->window || !sdl->renderer) {
        error = std::string("cannot create a window with the ") + renderer + " renderer on " + SDL_GetCurrentVideoDriver() +
                ": " + SDL_GetError();
        return nullptr;
    }
    return sdl;
}

// Under a Wayland compositor (cage) the kiosk draws through Wayland itself; when that cannot work (no
// EGL, or a renderer SDL cannot put on Wayland) it says so and draws through Xwayland instead.
std::unique_ptr<SdlWindow> openDisplay(const client::KioskOptions& options, std::string& error) {
    const char* chosen = std::getenv("SDL_VIDEODRIVER");
    const char* waylandDisplay = std::getenv("WAYLAND_DISPLAY");
    const bool wayland = waylandDisplay != nullptr && *waylandDisplay != '\0';
    const bool driverChosen = chosen != nullptr && *chosen != '\0';
    if (wayland && !driverChosen) SDL_SetHint(SDL_HINT_VIDEODRIVER, "wayland");  // SDL 2.26 would pick Xwayland first
    auto sdl = openWindow(options, error);
    const char* display = std::getenv("DISPLAY");
    if (sdl || !wayland || display == nullptr || *display == '\0') return sdl;
    std::cerr << "svarboks: " << error << "; drawing through X11 (Xwayland, DISPLAY=" << display << ") instead\n";
    SDL_SetHintWithPriority(SDL_HINT_VIDEODRIVER, "x11", SDL_HINT_OVERRIDE);
    return openWindow(options, error);
}

// Starts an ImGui frame in the renderer's pixels (2560x1600 for a 1280x800 window at 2x: SDL and the ImGui
// backend report sizes and the mouse in window units), with the fonts rasterised for the display's size:
// again whenever it changes (a resized window, a rotated display).
shared::Status newFrame(SDL_Renderer* renderer, const client::FontFiles& files, client::UiFonts& fonts, float textScale) {
    ImGui_ImplSDL2_NewFrame();
    ImGuiIO& io = ImGui::GetIO();
    int width = 0, height = 0;
    SDL_GetRendererOutputSize(renderer, &width, &height);
    const float density = io.DisplaySize.x > 0 ? static_cast<float>(width) / io.DisplaySize.x : 1.f;
    io.DisplaySize = {static_cast<float>(width), static_cast<float>(height)};
    io.DisplayFramebufferScale = {1, 1};
    if (io.MousePos.x != -FLT_MAX) io.MousePos = {io.MousePos.x * density, io.MousePos.y * density};

    const float scale = client::uiScale(io.DisplaySize.x, io.DisplaySize.y, density) * textScale;
    const bool rescale = scale != fonts.scale;
    if (rescale) {
        ImGui_ImplSDLRenderer_DestroyFontsTexture();
        auto rescaled = client::setUpImGui(files, scale);
        if (!rescaled) return rescaled.error();
        fonts = *rescaled;
    }
    ImGui_ImplSDLRenderer_NewFrame();  // makes the font texture when there is none
    if (rescale) io.Fonts->ClearTexData();  // the texture holds the glyphs now; the CPU copy is not needed
    ImGui::NewFrame();
    return {};
}

struct ImGuiSession {
    bool backends = false;
    ImGuiSession() { ImGui::CreateContext(); }
    ~ImGuiSession() {
        if (backends) {
            ImGui_ImplSDLRenderer_Shutdown();
            ImGui_ImplSDL2_Shutdown();
        }
        ImGui::DestroyContext();
    }
};

const char* screenName(client::Screen screen) {
    switch (screen) {
        case client::Screen::Welcome: return "welcome";
        case client::Screen::Consent: return "consent";
        case client::Screen::Question: return "question";
        case client::Screen::Saving: return "saving";
        case client::Screen::Profile: return "profile";
        case client::Screen::ThankYou: return "thank-you";
        case client::Screen::PinPad: return "pin-pad";
        case client::Screen::Admin: return "admin";
        case client::Screen::NotReady: return "not-ready";
        case client::Screen::NewPin: return "new-pin";
        case client::Screen::Checks: return "checks";
        case client::Screen::Setup: return "setup";
    }
    return "";
}

// The keys of keyboard and switch access (keyboard_focus.hpp); nothing for other keys.
std::optional<client::KeyboardFocus::Key> focusKey(const SDL_Keysym& key) {
    using Key = client::KeyboardFocus::Key;
    switch (key.sym) {
        case SDLK_TAB: return (key.mod & KMOD_SHIFT) != 0 ? Key::Previous : Key::Next;
        case SDLK_RIGHT:
        case SDLK_DOWN: return Key::Next;
        case SDLK_LEFT:
        case SDLK_UP: return Key::Previous;
        case SDLK_RETURN:
        case SDLK_KP_ENTER:
        case SDLK_SPACE: return Key::Press;
        default: return std::nullopt;
    }
}

// For the screenshot script and GUI tests only (SVARBOKS_UI_MAP=FILE): the last frame's number, whether
// the kiosk sleeps after it (idle), its size, body text height, where each button is (in pixels) and the
// text Read aloud says for the screen, so a driver can tap buttons by their labels, know when a tap has
// been drawn, check that everything is on the screen and what is spoken. Never set on a real kiosk.
void writeUiMap(const char* path, long frameNumber, bool idle, const char* screen, const client::FrameOutput& frame,
                const client::UiFonts& fonts, const std::string& spoken) {
    nlohmann::json buttons = nlohmann::json::array();
    for (const auto& b : frame.buttons) {
        buttons.push_back({{"label", b.label}, {"x", (b.x0 + b.x1) / 2}, {"y", (b.y0 + b.y1) / 2}, {"box", {b.x0, b.y0, b.x1, b.y1}},
                           {"enabled", b.enabled}, {"selected", b.selected}, {"scrolls", b.scrolls}, {"focused", b.focused}});
    }
    const ImVec2 size = ImGui::GetIO().DisplaySize;
    const nlohmann::json map{{"frame", frameNumber}, {"idle", idle}, {"screen", screen}, {"size", {size.x, size.y}},
                             {"body_px", fonts.body->FontSize}, {"buttons", buttons}, {"spoken", spoken}};
    const std::string temp = std::string(path) + ".tmp";
    if (FILE* file = std::fopen(temp.c_str(), "w")) {
        const std::string text = map.dump();
        std::fwrite(text.data(), 1, text.size(), file);
        std::fclose(file);
        std::rename(temp.c_str(), path);
    }
}

}  // namespace

int runKiosk(const client::KioskOptions& options) {
    // Load everything before opening the window, so errors reach stderr even with no display.
    std::string fatal;
    std::unique_ptr<client::KioskShell> app;
    // The speaker is made now and starts nothing: no thread, no libespeak-ng, no sound device until a
    // respondent taps Read aloud.
    const auto audio = std::make_shared<SdlAudioOutput>();
    client::KioskShell::Options shell;
    shell.speaker = std::make_shared<client::EspeakSpeaker>(audio);
    shell.configFile = options.config.empty() ? shared::defaultConfigPath() : std::filesystem::path(options.config);
    shell.defaultsFile = client::itDefaultsPath();
    if (auto opened = client::KioskShell::open(std::move(shell)); !opened) {
        fatal = opened.error().message;
    } else {
        app = std::move(opened).value();
    }
    if (!fatal.empty()) std::cerr << "svarboks: " << fatal << "\n";
    const auto fonts = client::findFonts();
    if (!fonts) {
        std::cerr << "svarboks: " << fonts.error().message << "\n";
        return 1;
    }

    SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0");
    SDL_SetHint(SDL_HINT_TOUCH_MOUSE_EVENTS, "1");
    std::string error;
    const auto sdl = openDisplay(options, error);
    if (!sdl) {
        std::cerr << "svarboks: " << error << "\n";
        return 1;
    }
    // Destroyed before the window (whose destructor calls SDL_Quit): the sound device closes while SDL is up.
    const std::unique_ptr<SdlAudioOutput, void (*)(SdlAudioOutput*)> closeAudio(audio.get(), [](SdlAudioOutput* a) { a->close(); });
    const bool windowed = options.width > 0;
    if (!windowed) SDL_ShowCursor(SDL_DISABLE);
    SDL_RendererInfo renderer{};
    SDL_GetRendererInfo(sdl->renderer, &renderer);
    int width = 0, height = 0;
    SDL_GetRendererOutputSize(sdl->renderer, &width, &height);
    std::cerr << "svarboks: drawing " << width << "x" << height << " pixels through " << SDL_GetCurrentVideoDriver() << " with the "
              << renderer.name << " renderer\n";

    ImGuiSession imgui;
    ImGui_ImplSDL2_InitForSDLRenderer(sdl->window);
    ImGui_ImplSDLRenderer_Init(sdl->renderer);
    imgui.backends = true;
    client::UiFonts uiFonts;
    uiFonts.scale = 0;  // set up before the first frame, and again whenever the display or the text size changes
    // Render on input and timers only: between them the loop sleeps in SDL_WaitEventTimeout (~0 % CPU).
    int framesToDraw = 3;
    client::KeyboardFocus focus;
    bool running = true;
    bool traceFirstFrame = std::getenv("SVARBOKS_TRACE_FIRST_FRAME") != nullptr;
    const char* uiMap = std::getenv("SVARBOKS_UI_MAP");
    long framesDrawn = 0;
    // For screen captures in tests only: cage's headless backend copies a fresh frame only, and the kiosk
    // draws on demand; SVARBOKS_REDRAW_MS=N draws one at least every N ms. Never set on a real kiosk.
    const int redrawMs = std::getenv("SVARBOKS_REDRAW_MS") ? std::atoi(std::getenv("SVARBOKS_REDRAW_MS")) : 0;
    while (running) {
        SDL_Event event;
        int timeoutMs = -1;
        std::optional<client::TimePoint> deadline;
        if (framesToDraw > 0) {
            timeoutMs = 0;
        } else if (app && (deadline = app->nextDeadline(Clock::now()))) {
            const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now()).count();
            timeoutMs = static_cast<int>(std::clamp<long long>(wait + 1, 0, 60'000));
        }
        if (redrawMs > 0 && (timeoutMs < 0 || timeoutMs > redrawMs)) timeoutMs = redrawMs;
        const bool got = timeoutMs < 0 ? SDL_WaitEvent(&event) != 0 : SDL_WaitEventTimeout(&event, timeoutMs) != 0;
        if (!got && redrawMs > 0) framesToDraw = std::max(framesToDraw, 1);
        if (got) {
            do {
                ImGui_ImplSDL2_ProcessEvent(&event);
                if (event.type == SDL_QUIT) running = false;
                if (windowed && event.type == SDL_KEYDOWN && event.key.keysym.sym == SDLK_ESCAPE) running = false;
                if (event.type == SDL_KEYDOWN) {
                    if (const auto key = focusKey(event.key.keysym)) focus.key(*key);
                }
                if (event.type == SDL_MOUSEBUTTONDOWN || event.type == SDL_FINGERDOWN) focus.touched();
            } while (SDL_PollEvent(&event));
            framesToDraw = std::max(framesToDraw, 3);
        }
        const auto now = Clock::now();
        if (app) {
            app->tick(now);
            if (deadline && *deadline <= now) framesToDraw = std::max(framesToDraw, 2);  // a timer fired: show it
        }
        if (framesToDraw <= 0) continue;
        --framesToDraw;

        std::optional<client::ScreenView> view;
        if (app) view = app->view(now);
        if (const auto started = newFrame(sdl->renderer, *fonts, uiFonts, view ? view->textScale : 1.f); !started) {
            std::cerr << "svarboks: " << started.message() << "\n";
            return 1;
        }
        client::FrameOutput frame = view ? client::drawScreen(*view, uiFonts, focus.next())
                                        : client::drawFatalError("Svarboks cannot start", fatal, uiFonts);
        focus.drawn(frame);
        ImGui::Render();
        SDL_SetRenderDrawColor(sdl->renderer, 250, 249, 245, 255);
        SDL_RenderClear(sdl->renderer);
        ImGui_ImplSDLRenderer_RenderDrawData(ImGui::GetDrawData());
        SDL_RenderPresent(sdl->renderer);
        if (traceFirstFrame) {  // for bench/: when the first screen was on the display (CLOCK_MONOTONIC)
            timespec ts{};
            clock_gettime(CLOCK_MONOTONIC, &ts);
            std::fprintf(stderr, "svarboks: first frame at %ld.%09ld\n", static_cast<long>(ts.tv_sec), ts.tv_nsec);
            traceFirstFrame = false;
        }

        if (uiMap) {
            const bool idle = framesToDraw == 0 && frame.intent.kind == client::Intent::Kind::None && !frame.animating;
            const std::string spoken = view ? client::Utterance{"", client::spokenParts(*view)}.text() : "";
            writeUiMap(uiMap, ++framesDrawn, idle, app ? screenName(app->screen()) : "fatal-error", frame, uiFonts, spoken);
        }
        if (frame.intent.kind != client::Intent::Kind::None) {
            if (!app) {
                running = false;
            } else {
                app->handle(frame.intent, Clock::now());
                framesToDraw = std::max(framesToDraw, 2);
            }
        }
        if (frame.animating) {
            framesToDraw = std::max(framesToDraw, 1);
            SDL_Delay(33);
        }
        if (app && app->quitRequested()) running = false;
    }
    return fatal.empty() ? 0 : 1;
}

}  // namespace svarboks::platform
