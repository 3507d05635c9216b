// Floor experiment (docs/benchmarks.md): the kiosk's way of drawing (ImGui, the kiosk's three DejaVu fonts
// and glyph ranges, a welcome-like screen) but through SDL's software renderer instead of OpenGL, with
// ImGui's SDL_Renderer backend (imgui_impl_sdlrenderer, which Debian's libimgui-dev ships as example
// source only). No OpenGL is loaded, so no Mesa/LLVM. Same first-frame trace as the kiosk; waits for SDL_QUIT.
#include <SDL.h>
#include <backends/imgui_impl_sdl.h>
#include <backends/imgui_impl_sdlrenderer.h>
#include <imgui.h>

#include <cstdio>
#include <ctime>

namespace {
const ImWchar kGlyphRanges[] = {0x0020, 0x00FF, 0x0100, 0x017F, 0x2010, 0x2027, 0x2190, 0x2193,
                                0x232B, 0x232B, 0x25CF, 0x25CF, 0x2713, 0x2713, 0};
const char* kRegular = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
const char* kBold = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
}  // namespace

int main() {
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");  // the window surface via XShm, not via OpenGL
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) return 1;
    SDL_Window* window = SDL_CreateWindow("sdl_software_imgui", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, 1280, 800, 0);
    SDL_Renderer* renderer = window ? SDL_CreateRenderer(window, -1, SDL_RENDERER_SOFTWARE) : nullptr;
    if (!renderer) return 1;
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    ImFontConfig config;
    config.OversampleH = 2;
    config.OversampleV = 1;
    ImFont* body = io.Fonts->AddFontFromFileTTF(kRegular, 30, &config, kGlyphRanges);
    ImFont* bold = io.Fonts->AddFontFromFileTTF(kBold, 30, &config, kGlyphRanges);
    ImFont* title = io.Fonts->AddFontFromFileTTF(kBold, 44, &config, kGlyphRanges);
    if (!body || !bold || !title) return 1;
    ImGui_ImplSDL2_InitForSDLRenderer(window);
    ImGui_ImplSDLRenderer_Init(renderer);
    ImGuiStyle& style = ImGui::GetStyle();
    style.FrameRounding = 10;
    style.FramePadding = {20, 14};
    style.Colors[ImGuiCol_WindowBg] = {0.98f, 0.976f, 0.96f, 1.f};
    style.Colors[ImGuiCol_Text] = {0.1f, 0.1f, 0.1f, 1.f};
    style.Colors[ImGuiCol_Button] = {0.05f, 0.24f, 0.49f, 1.f};

    bool traced = false;
    for (int frames = 0;; ++frames) {
        SDL_Event event;
        if (frames >= 3) {  // like the kiosk: three frames, then sleep until an event
            if (!SDL_WaitEvent(&event) || event.type == SDL_QUIT) break;
            ImGui_ImplSDL2_ProcessEvent(&event);
        }
        ImGui_ImplSDLRenderer_NewFrame();
        ImGui_ImplSDL2_NewFrame();
        ImGui::NewFrame();
        ImGui::SetNextWindowPos({0, 0});
        ImGui::SetNextWindowSize({1280, 800});
        ImGui::Begin("welcome", nullptr, ImGuiWindowFlags_NoDecoration);
        ImGui::SetCursorPos({90, 120});
        ImGui::PushFont(title);
        ImGui::TextUnformatted("Digitale kompetencer");
        ImGui::PopFont();
        ImGui::SetCursorPosX(90);
        ImGui::PushTextWrapPos(1190);
        ImGui::TextUnformatted("Find ud af, hvor du står med de digitale værktøjer på arbejdet, og få gode råd til, hvad du kan øve dig i.");
        ImGui::PopTextWrapPos();
        ImGui::SetCursorPos({90, 320});
        ImGui::Button("Dansk", {540, 64});
        ImGui::SameLine(648);
        ImGui::Button("English", {540, 64});
        ImGui::SetCursorPos({90, 430});
        ImGui::PushFont(bold);
        ImGui::Button("Start", {1100, 96});
        ImGui::PopFont();
        ImGui::End();
        ImGui::Render();
        SDL_SetRenderDrawColor(renderer, 250, 249, 245, 255);
        SDL_RenderClear(renderer);
        ImGui_ImplSDLRenderer_RenderDrawData(ImGui::GetDrawData());
        SDL_RenderPresent(renderer);
        if (!traced) {
            timespec ts{};
            clock_gettime(CLOCK_MONOTONIC, &ts);
            std::fprintf(stderr, "svarboks: first frame at %ld.%09ld\n", static_cast<long>(ts.tv_sec), ts.tv_nsec);
            traced = true;
        }
    }
    ImGui_ImplSDLRenderer_Shutdown();
    ImGui_ImplSDL2_Shutdown();
    ImGui::DestroyContext();
    SDL_DestroyRenderer(renderer);
    SDL_DestroyWindow(window);
    SDL_Quit();
    return 0;
}
