#include "platform.hpp"

#include "svarboks/client/kiosk_shell.hpp"
#include "svarboks/client/screens.hpp"

#include <SDL.h>
#include <imgui.h>
#include <backends/imgui_impl_sdl.h>
#include <backends/imgui_impl_sdlrenderer.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>
#include <string_view>

namespace svarboks::platform {

namespace {

using client::Clock;

struct Options {
    std::string config;
    int width = 0;  // 0 = full screen
    int height = 0;
};

bool parseOptions(const std::vector<std::string>& args, Options& options) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--config" && i + 1 < args.size()) {
            options.config = args[++i];
        } else if (args[i] == "--windowed" && i + 1 < args.size()) {
            if (std::sscanf(args[++i].c_str(), "%dx%d", &options.width, &options.height) != 2 || options.width < 320 ||
                options.height < 240 || options.width > 16384 || options.height > 16384) {
                std::cerr << "svarboks: --windowed expects a size such as 1280x800, got '" << args[i] << "'\n";
                return false;
            }
        } else {
            std::cerr << "svarboks: unknown option '" << args[i] << "'; see svarboks --help\n";
            return false;
        }
    }
    return true;
}

struct SdlWindow {
    SDL_Window* window = nullptr;
    SDL_Renderer* renderer = nullptr;
    ~SdlWindow() {
        if (renderer) SDL_DestroyRenderer(renderer);
        if (window) SDL_DestroyWindow(window);
        SDL_Quit();
    }
};

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
        case client::Screen::Setup: return "setup";
    }
    return "";
}

// For the screenshot script and GUI tests only (SVARBOKS_UI_MAP=FILE): where each button of the last
// frame is, so a driver can tap buttons by their labels. Never set on a real kiosk.
void writeUiMap(const char* path, const char* screen, const client::FrameOutput& frame) {
    nlohmann::json buttons = nlohmann::json::array();
    for (const auto& b : frame.buttons) {
        buttons.push_back({{"label", b.label}, {"x", (b.x0 + b.x1) / 2}, {"y", (b.y0 + b.y1) / 2}, {"enabled", b.enabled},
                           {"selected", b.selected}});
    }
    const std::string temp = std::string(path) + ".tmp";
    if (FILE* file = std::fopen(temp.c_str(), "w")) {
        const std::string text = nlohmann::json{{"screen", screen}, {"buttons", buttons}}.dump();
        std::fwrite(text.data(), 1, text.size(), file);
        std::fclose(file);
        std::rename(temp.c_str(), path);
    }
}

}  // namespace

int runKiosk(const std::vector<std::string>& args) {
    Options options;
    if (!parseOptions(args, options)) return 2;

    // Load everything before opening the window, so errors reach stderr even with no display.
    std::string fatal;
    std::unique_ptr<client::KioskShell> app;
    client::KioskShell::Options shell;
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
    // The screens are flat 2D: SDL's software renderer draws them without loading an OpenGL stack
    // (under Mesa's llvmpipe that alone is more memory than the whole kiosk). SVARBOKS_RENDERER=opengl
    // (or any SDL render driver) picks another.
    const char* driver = std::getenv("SVARBOKS_RENDERER");
    const bool software = driver == nullptr || std::string_view(driver) == "software";
    if (software) SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    SDL_SetHint(SDL_HINT_RENDER_DRIVER, software ? "software" : driver);
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) {
        std::cerr << "svarboks: cannot open a display: " << SDL_GetError() << "\n";
        return 1;
    }
    SdlWindow sdl;
    const bool windowed = options.width > 0;
    const Uint32 flags = SDL_WINDOW_ALLOW_HIGHDPI | (windowed ? 0u : static_cast<Uint32>(SDL_WINDOW_FULLSCREEN_DESKTOP));
    sdl.window = SDL_CreateWindow("Svarboks", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, windowed ? options.width : 1280,
                                  windowed ? options.height : 800, flags);
    if (sdl.window) sdl.renderer = SDL_CreateRenderer(sdl.window, -1, software ? SDL_RENDERER_SOFTWARE : SDL_RENDERER_PRESENTVSYNC);
    if (!sdl.window || !sdl.renderer) {
        std::cerr << "svarboks: cannot create a window: " << SDL_GetError() << "\n";
        return 1;
    }
    if (!windowed) SDL_ShowCursor(SDL_DISABLE);

    int width = 0, height = 0, outputWidth = 0, outputHeight = 0;
    SDL_GetWindowSize(sdl.window, &width, &height);
    SDL_GetRendererOutputSize(sdl.renderer, &outputWidth, &outputHeight);
    const float dpi = width > 0 ? static_cast<float>(outputWidth) / static_cast<float>(width) : 1.f;

    ImGuiSession imgui;
    const auto uiFonts = client::setUpImGui(*fonts, client::uiScale(static_cast<float>(width), static_cast<float>(height), dpi));
    if (!uiFonts) {
        std::cerr << "svarboks: " << uiFonts.error().message << "\n";
        return 1;
    }
    ImGui_ImplSDL2_InitForSDLRenderer(sdl.window);
    ImGui_ImplSDLRenderer_Init(sdl.renderer);
    imgui.backends = true;
    ImGui_ImplSDLRenderer_CreateFontsTexture();
    ImGui::GetIO().Fonts->ClearTexData();  // the texture holds the glyphs now; the CPU copy is not needed

    // Render on input and timers only: between them the loop sleeps in SDL_WaitEventTimeout (~0 % CPU).
    int framesToDraw = 3;
    bool running = true;
    bool traceFirstFrame = std::getenv("SVARBOKS_TRACE_FIRST_FRAME") != nullptr;
    const char* uiMap = std::getenv("SVARBOKS_UI_MAP");
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
        const bool got = timeoutMs < 0 ? SDL_WaitEvent(&event) != 0 : SDL_WaitEventTimeout(&event, timeoutMs) != 0;
        if (got) {
            do {
                ImGui_ImplSDL2_ProcessEvent(&event);
                if (event.type == SDL_QUIT) running = false;
                if (windowed && event.type == SDL_KEYDOWN && event.key.keysym.sym == SDLK_ESCAPE) running = false;
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

        ImGui_ImplSDLRenderer_NewFrame();
        ImGui_ImplSDL2_NewFrame();
        ImGui::NewFrame();
        client::FrameOutput frame = app ? client::drawScreen(app->view(now), *uiFonts)
                                        : client::drawFatalError("Svarboks cannot start", fatal, *uiFonts);
        ImGui::Render();
        SDL_SetRenderDrawColor(sdl.renderer, 250, 249, 245, 255);
        SDL_RenderClear(sdl.renderer);
        ImGui_ImplSDLRenderer_RenderDrawData(ImGui::GetDrawData());
        SDL_RenderPresent(sdl.renderer);
        if (traceFirstFrame) {  // for bench/: when the first screen was on the display (CLOCK_MONOTONIC)
            timespec ts{};
            clock_gettime(CLOCK_MONOTONIC, &ts);
            std::fprintf(stderr, "svarboks: first frame at %ld.%09ld\n", static_cast<long>(ts.tv_sec), ts.tv_nsec);
            traceFirstFrame = false;
        }

        if (uiMap) writeUiMap(uiMap, app ? screenName(app->screen()) : "fatal-error", frame);
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
