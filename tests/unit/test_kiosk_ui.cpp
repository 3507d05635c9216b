// Headless UI tests: real ImGui frames with no backend (as imgui's example_null), input injected through
// ImGuiIO (1.86: io.MousePos / io.MouseDown), buttons found by their rectangles and tapped as a person would.
// The response ends in a real outbox, sealed to a key pair the test holds, so the test can open it.
#include "svarboks/client/keyboard.hpp"
#include "svarboks/client/kiosk_app.hpp"
#include "svarboks/client/keyboard_focus.hpp"
#include "svarboks/client/kiosk_shell.hpp"
#include "svarboks/client/screens.hpp"
#include "svarboks/client/speech.hpp"
#include "svarboks/shared/sealing.hpp"
#include "test_helpers.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

using namespace svarboks;
using namespace std::chrono_literals;
using client::Screen;
using nlohmann::json;
using test::TempDir;

namespace {

// Records what Read aloud would say; "speaks" until finish() or stop().
class FakeSpeaker final : public client::Speaker {
public:
    void say(client::Utterance utterance) override {
        said.push_back(std::move(utterance));
        m_speaking = true;
    }
    void stop() override { m_speaking = false; }
    bool speaking() const override { return m_speaking; }
    void finish() { m_speaking = false; }
    std::vector<client::Utterance> said;

private:
    bool m_speaking = false;
};

class Ui {
public:
    /// A display of `width` x `height` pixels, `density` pixels per window unit (2 for HiDPI at 2x).
    explicit Ui(float width = 1280, float height = 800, std::unique_ptr<client::ResponseStore> customStore = nullptr,
                float density = 1, const std::filesystem::path& survey = test::defaultSurveyPath()) {
        startImGui(width, height, density);
        REQUIRE(shared::sodiumInit());
        m_keys = shared::generateKeyPair();
        auto outbox = sync::Outbox::open(m_dir / "outbox.db");
        REQUIRE(outbox.ok());
        std::unique_ptr<client::ResponseStore> store = std::move(customStore);
        if (!store) store = std::make_unique<client::OutboxStore>(std::move(outbox).value(), m_keys.publicKey, "{}");
        auto loaded = shared::loadSurveyFile(survey);
        REQUIRE(loaded.ok());
        auto texts = client::UiTexts::load(test::sourceDir() / "assets/ui/texts.json");
        REQUIRE(texts.ok());
        shared::KioskConfig config;
        config.outboxFile = (m_dir / "outbox.db").string();
        m_app = std::make_unique<client::KioskApp>(config, std::make_shared<const shared::Survey>(std::move(*loaded.survey)),
                                                   std::move(texts).value(), std::move(store),
                                                   [](std::string_view pin) { return pin == "246813"; });
        m_app->setSpeaker(speaker);  // every screen is laid out with its Read aloud button
        frame();
        frame();  // the welcome screen is centred by its height in the frame before (as the kiosk, which draws three)
    }
    /// The kiosk as the main loop runs it (KioskShell), for the config `options.configFile`.
    explicit Ui(client::KioskShell::Options options, float width = 1280, float height = 800, float density = 1) {
        startImGui(width, height, density);
        auto shell = client::KioskShell::open(std::move(options));
        REQUIRE_MESSAGE(shell.ok(), (shell.ok() ? "" : shell.error().message));
        m_shell = std::move(shell).value();
        frame();
    }
    ~Ui() {
        m_shell.reset();
        ImGui::DestroyContext(m_context);
    }

    /// One frame: draw the current view, carry out what was tapped.
    void frame() {
        ImGui::GetIO().DeltaTime = 1.f / 60.f;
        const client::ScreenView view = m_shell ? m_shell->view(now) : m_app->view(now);
        bakeFonts(view.textScale);  // as the kiosk does: the fonts follow the respondent's text size
        ImGui::NewFrame();
        m_last = client::drawScreen(view, m_fonts, m_focus.next());
        m_focus.drawn(m_last);
        ImGui::Render();
        if (m_shell) {
            if (m_last.intent.kind != client::Intent::Kind::None) m_shell->handle(m_last.intent, now);
            m_shell->tick(now);
            return;
        }
        if (m_last.intent.kind != client::Intent::Kind::None) m_app->handle(m_last.intent, now);
        m_app->tick(now);
    }

    /// One frame of the screen of a kiosk that cannot start.
    void showFatalError(const std::string& title, const std::string& message) {
        ImGui::NewFrame();
        m_last = client::drawFatalError(title, message, m_fonts);
        ImGui::Render();
    }

    const client::HitBox* find(const std::string& label) const {
        for (const auto& b : m_last.buttons) {
            if (b.label == label) return &b;
        }
        return nullptr;
    }

    /// Taps the button with this label: press and release at its centre, as a finger would.
    void tap(const std::string& label) {
        const auto* box = find(label);
        std::string drawn;
        for (const auto& b : m_last.buttons) drawn += "'" + b.label + "' ";
        REQUIRE_MESSAGE(box != nullptr, "no button '" << label << "' on screen; drawn: " << drawn);
        REQUIRE_MESSAGE(box->enabled, "button '" << label << "' is disabled");
        press({(box->x0 + box->x1) / 2, (box->y0 + box->y1) / 2});
    }

    /// A key of an external keyboard or a switch, as the main loop hands it on.
    void key(client::KeyboardFocus::Key key) {
        m_focus.key(key);
        frame();  // a press is carried out here
        now += 1s;
        frame();  // the new state is drawn
    }
    /// The button the keyboard focus is on (drawn with the ring), or none.
    const client::HitBox* focused() const {
        const client::HitBox* found = nullptr;
        for (const auto& b : m_last.buttons) {
            if (b.focused) {
                REQUIRE_MESSAGE(found == nullptr, "two buttons focused: '" << found->label << "' and '" << b.label << "'");
                found = &b;
            }
        }
        return found;
    }

    void press(ImVec2 at) {
        m_focus.touched();
        ImGuiIO& io = ImGui::GetIO();
        io.MousePos = at;
        frame();  // hover
        io.MouseDown[0] = true;
        frame();
        io.MouseDown[0] = false;
        frame();  // the click registers on release
        now += 1s;
        frame();  // the new state is drawn
        frame();  // and settled, as the kiosk draws a few frames after each input (the welcome screen centres by the frame before)
    }

    void wait(client::Clock::duration d) {
        now += d;
        if (m_shell) m_shell->tick(now);
        else m_app->tick(now);
        frame();
    }

    Screen screen() const { return m_shell ? m_shell->screen() : m_app->model().screen(); }
    client::KioskShell& shell() { return *m_shell; }
    const client::FrameOutput& last() const { return m_last; }
    client::KioskApp& app() { return *m_app; }
    const shared::KeyPair& keys() const { return m_keys; }
    std::filesystem::path outboxFile() const { return m_dir / "outbox.db"; }
    const client::UiFonts& fonts() const { return m_fonts; }
    float density() const { return m_density; }

    client::TimePoint now = client::TimePoint{} + 1000h;
    std::shared_ptr<FakeSpeaker> speaker = std::make_shared<FakeSpeaker>();

private:
    void startImGui(float width, float height, float density = 1) {
        m_context = ImGui::CreateContext();
        ImGuiIO& io = ImGui::GetIO();
        io.DisplaySize = {width, height};
        io.DeltaTime = 1.f / 60.f;
        m_density = density;
        m_displayScale = client::uiScale(width, height, density);
        bakeFonts(1);
    }

    void bakeFonts(float textScale) {
        if (m_fonts.body && m_fonts.scale == m_displayScale * textScale) return;
        const auto files = client::findFonts();
        REQUIRE_MESSAGE(files.ok(), (files.ok() ? "" : files.error().message));
        auto fonts = client::setUpImGui(*files, m_displayScale * textScale);
        REQUIRE(fonts.ok());
        m_fonts = *fonts;
        // Only glyphs then sample the font texture away from its white pixel (see checkLayout).
        ImGui::GetStyle().AntiAliasedLinesUseTex = false;
        unsigned char* pixels = nullptr;
        int w = 0, h = 0;
        ImGui::GetIO().Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
    }

    TempDir m_dir;
    ImGuiContext* m_context = nullptr;
    client::UiFonts m_fonts;
    float m_density = 1;
    float m_displayScale = 1;
    shared::KeyPair m_keys;
    std::unique_ptr<client::KioskApp> m_app;
    std::unique_ptr<client::KioskShell> m_shell;
    client::FrameOutput m_last;
    client::KeyboardFocus m_focus;
};

// Answers every screen of the default survey by tapping: "I can do it on my own" where it exists,
// "Yes" for yes/no, the first option otherwise. Returns how many questions were answered.
int completeDefaultSurvey(Ui& ui) {
    ui.tap("Start");
    REQUIRE(ui.screen() == Screen::Consent);
    ui.tap("Jeg vil gerne svare");
    int answered = 0;
    for (int guard = 0; guard < 80 && ui.screen() == Screen::Question; ++guard) {
        const std::string preferred[] = {"Det kan jeg selv", "Ja", "Hjemmepleje"};
        bool tapped = false;
        for (const auto& label : preferred) {
            if (ui.find(label) && ui.find(label)->enabled) {
                ui.tap(label);
                tapped = true;
                break;
            }
        }
        answered += tapped ? 1 : 0;
        ui.tap(ui.find("Afslut ✓") ? "Afslut ✓" : "Næste →");
    }
    return answered;
}

// A store whose disk is full for the first `failures` saves, then works (into memory).
class FlakyStore final : public client::ResponseStore {
public:
    explicit FlakyStore(int failures) : m_failures(failures) {}
    shared::Result<std::string> save(const shared::ResponsePayload& payload, bool) override {
        if (m_failures-- > 0) return shared::Error{"outbox /data/outbox.db: cannot write: database or disk is full"};
        saved.push_back(payload);
        return std::string("11111111-1111-4111-8111-111111111111");
    }
    shared::Result<sync::OutboxCounts> counts() override { return sync::OutboxCounts{static_cast<std::int64_t>(saved.size()), 0, 0}; }
    shared::Result<std::int64_t> releaseHeld() override { return std::int64_t{0}; }
    shared::Result<std::int64_t> deleteHeld() override { return std::int64_t{0}; }
    shared::Result<std::int64_t> exportTo(const std::filesystem::path&) override { return std::int64_t{0}; }
    shared::Result<std::int64_t> retryQuarantined() override { return std::int64_t{0}; }
    std::vector<shared::ResponsePayload> saved;

private:
    int m_failures;
};

double luminance(const float rgb[3]) {
    double sum = 0;
    const double weights[3] = {0.2126, 0.7152, 0.0722};
    for (int i = 0; i < 3; ++i) {
        const double c = rgb[i];
        sum += weights[i] * (c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4));
    }
    return sum;
}

}  // namespace

TEST_CASE("a person completes the default survey by tapping, and sees their profile only after the commit") {
    Ui ui;
    CHECK(ui.screen() == Screen::Welcome);
    const int answered = completeDefaultSurvey(ui);
    CHECK(answered >= 20);
    REQUIRE(ui.screen() == Screen::Profile);
    CHECK(ui.app().savedCount() == 1);
    // Five competence areas, each with a level: the profile is on screen.
    CHECK(ui.find("Færdig") != nullptr);

    // The committed response: one pending item, sealed; opening it gives exactly what was tapped.
    auto outbox = sync::Outbox::open(ui.outboxFile());
    REQUIRE(outbox.ok());
    auto pending = outbox->pending(10);
    REQUIRE(pending.ok());
    REQUIRE(pending->size() == 1);
    CHECK(shared::isUuidV4(pending->front().id));
    auto opened = shared::openSealed(pending->front().sealed, ui.keys());
    REQUIRE(opened.ok());
    const json payload = json::parse(*opened);
    CHECK(payload["survey_id"] == "digital-kompetence");
    CHECK(payload["locale"] == "da");
    CHECK(payload["answers"]["workplace"] == "home_care");
    CHECK(payload["answers"]["info_1"] == 3);
    CHECK(payload["answers"]["uses_welfare_tech"] == true);
    CHECK(payload["answers"].contains("comm_6"));  // shown to home care
    CHECK_FALSE(payload["answers"].contains("problem_2"));  // only for those who answered 1 or 2
    CHECK(payload.size() == 7);

    ui.tap("Færdig");
    CHECK(ui.screen() == Screen::ThankYou);
    ui.wait(9s);
    CHECK(ui.screen() == Screen::Welcome);
}

TEST_CASE("English, Back and Start over work on screen") {
    Ui ui;
    ui.tap("English");
    ui.tap("Start");
    ui.tap("I want to take part");
    ui.tap("Next →");  // the introduction
    ui.tap("Home care");
    ui.tap("Next →");
    CHECK(ui.app().model().survey().elements[ui.app().model().currentElement()].name == "info_1");
    ui.tap("← Back");
    CHECK(ui.find("Home care")->selected);  // the answer is still there
    ui.tap("Start over");
    CHECK(ui.find("Yes, delete and start over") != nullptr);
    ui.tap("No, continue");
    CHECK(ui.find("Home care")->selected);
    ui.tap("Start over");
    ui.tap("Yes, delete and start over");
    CHECK(ui.screen() == Screen::Welcome);
    CHECK(ui.app().model().answers()[1].is_null());
    CHECK(ui.find("Dansk")->selected);  // the next person starts in Danish
}

TEST_CASE("Next stays disabled on a required question until it is answered") {
    Ui ui;
    ui.tap("English");
    ui.tap("Start");
    ui.tap("I want to take part");
    // Find a required question in the shipped survey, if any; every scored item there is optional.
    ui.tap("Next →");
    CHECK(ui.find("Next →")->enabled);  // optional questions may be skipped
}

TEST_CASE("the idle warning counts down, Continue keeps the answers, silence wipes them") {
    Ui ui;
    ui.tap("Start");
    ui.tap("Jeg vil gerne svare");
    ui.tap("Næste →");
    ui.tap("Hjemmepleje");
    ui.wait(91s);
    REQUIRE(ui.find("Ja, fortsæt") != nullptr);
    ui.tap("Ja, fortsæt");
    CHECK(ui.find("Ja, fortsæt") == nullptr);
    CHECK(ui.find("Hjemmepleje")->selected);
    ui.wait(91s);
    ui.wait(20s);
    CHECK(ui.screen() == Screen::Welcome);
    CHECK(ui.app().model().answers()[1].is_null());
}

namespace {

void holdAdminCorner(Ui& ui) {
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = {10, 10};
    ui.frame();
    io.MouseDown[0] = true;
    ui.frame();
    ui.wait(3s);
    io.MouseDown[0] = false;
    ui.frame();
}

// The admin's Check runs on a worker thread: frames go on (the screen never waits) until its lines come.
client::ChecksView waitForChecks(Ui& ui, client::KioskApp& app) {
    for (int i = 0; i < 300 && app.adminStatus().checking; ++i) {
        std::this_thread::sleep_for(20ms);
        ui.wait(200ms);
    }
    REQUIRE_FALSE(app.adminStatus().checking);
    ui.frame();
    REQUIRE(ui.screen() == Screen::Checks);
    return std::get<client::ChecksView>(app.view(ui.now).content);
}

}  // namespace

TEST_CASE("admin: a long press on the corner, then the PIN pad: wrong PINs, lockout, the right PIN") {
    Ui ui;
    holdAdminCorner(ui);
    REQUIRE(ui.screen() == Screen::PinPad);
    for (int attempt = 0; attempt < 5; ++attempt) {
        for (const char* d : {"1", "1", "1", "1"}) ui.tap(d);
        ui.tap("OK");
    }
    CHECK(ui.screen() == Screen::PinPad);
    CHECK_FALSE(ui.find("1")->enabled);  // locked
    ui.tap("Annullér");
    holdAdminCorner(ui);  // closing and reopening the pad does not lift the lock
    REQUIRE(ui.screen() == Screen::PinPad);
    CHECK_FALSE(ui.find("1")->enabled);
    ui.wait(5min);  // the pad closes itself when idle; the lock runs out by the clock
    CHECK(ui.screen() == Screen::Welcome);
    holdAdminCorner(ui);
    REQUIRE(ui.screen() == Screen::PinPad);
    for (const char* d : {"2", "4", "6", "8", "1", "3"}) ui.tap(d);
    ui.tap("OK");
    REQUIRE(ui.screen() == Screen::Admin);
    CHECK(ui.find("Eksportér udbakken") != nullptr);
    ui.tap("Eksportér udbakken");
    CHECK(ui.app().adminStatus().notice.find("Eksporteret 0 svar") == 0);
    ui.tap("Tilbage til start");
    CHECK(ui.screen() == Screen::Welcome);
}

TEST_CASE("held: a fourth person within ten minutes sees the usual profile; the admin sends or deletes what is held") {
    Ui ui;
    for (int person = 1; person <= 4; ++person) {
        CAPTURE(person);
        completeDefaultSurvey(ui);  // about a minute and a half each, at a second a tap
        REQUIRE(ui.screen() == Screen::Profile);
        CHECK(ui.find("Færdig") != nullptr);
        ui.tap("Færdig");
        CHECK(ui.screen() == Screen::ThankYou);
        ui.wait(9s);
        REQUIRE(ui.screen() == Screen::Welcome);
    }
    CHECK(ui.app().savedCount() == 4);
    {
        auto outbox = sync::Outbox::open(ui.outboxFile());
        REQUIRE(outbox.ok());
        CHECK(outbox->counts()->pending == 3);
        CHECK(outbox->counts()->held == 1);
    }

    holdAdminCorner(ui);
    for (const char* d : {"2", "4", "6", "8", "1", "3"}) ui.tap(d);
    ui.tap("OK");
    REQUIRE(ui.screen() == Screen::Admin);
    const auto admin = std::get<client::AdminView>(ui.app().view(ui.now).content);
    CHECK(std::find(admin.rows.begin(), admin.rows.end(),
                    std::pair<std::string, std::string>{"Tilbageholdt", "1 svar, afsluttet hurtigere, end en person kan svare, eller "
                                                                        "mange lige efter hinanden. De sendes ikke, før du vælger."}) !=
          admin.rows.end());
    // Nine actions, two to a row, none overlapping, all on screen and large enough to touch.
    const char* labels[] = {"Synkronisér nu", "Send svar i karantæne igen", "Eksportér udbakken", "Skift PIN-kode",
                            "Send tilbageholdte svar", "Slet tilbageholdte svar", "Tilmeld kiosken igen", "Luk kiosken",
                            "Tilbage til start"};
    for (const char* label : labels) {
        INFO(label);
        const auto* box = ui.find(label);
        REQUIRE(box != nullptr);
        CHECK(box->y1 <= 800.f);
        CHECK(box->y1 - box->y0 >= 48.f);
        for (const char* other : labels) {
            const auto* b = ui.find(other);
            if (b == box) continue;
            CHECK((box->x1 <= b->x0 || b->x1 <= box->x0 || box->y1 <= b->y0 || b->y1 <= box->y0));
        }
    }

    ui.tap("Slet tilbageholdte svar");
    REQUIRE(ui.find("Ja, slet dem for altid") != nullptr);
    ui.tap("Nej, behold dem");
    CHECK(ui.find("Ja, slet dem for altid") == nullptr);
    ui.tap("Send tilbageholdte svar");
    CHECK(ui.app().adminStatus().notice == "1 tilbageholdte svar sendes nu som alle andre.");
    CHECK_FALSE(ui.find("Send tilbageholdte svar")->enabled);
    CHECK_FALSE(ui.find("Slet tilbageholdte svar")->enabled);
    {
        auto outbox = sync::Outbox::open(ui.outboxFile());
        REQUIRE(outbox.ok());
        CHECK(outbox->counts()->pending == 4);
        CHECK(outbox->counts()->held == 0);
        // Two more held responses (as a burst would leave them), then the one deliberate deletion.
        REQUIRE(outbox->add(shared::newUuidV4(), shared::randomBytes(80), true).ok());
        REQUIRE(outbox->add(shared::newUuidV4(), shared::randomBytes(80), true).ok());
    }
    ui.tap("Tilbage til start");
    holdAdminCorner(ui);
    for (const char* d : {"2", "4", "6", "8", "1", "3"}) ui.tap(d);
    ui.tap("OK");
    REQUIRE(ui.screen() == Screen::Admin);
    ui.tap("Slet tilbageholdte svar");
    const auto confirm = std::get<client::AdminView>(ui.app().view(ui.now).content).confirm;
    REQUIRE(confirm.has_value());
    CHECK(confirm->question.find("Slette 2 tilbageholdte svar for altid? Det er den eneste måde, svar bliver slettet på uden at blive sendt.") == 0);
    ui.tap("Ja, slet dem for altid");
    CHECK(ui.app().adminStatus().notice == "2 tilbageholdte svar er slettet for altid.");
    auto outbox = sync::Outbox::open(ui.outboxFile());
    REQUIRE(outbox.ok());
    CHECK(outbox->counts()->pending == 4);
    CHECK(outbox->counts()->held == 0);
}

TEST_CASE("look: touch targets, text size, contrast and glyphs") {
    Ui ui;
    CHECK(ui.fonts().body->FontSize >= 28.f);  // body text at 1280x800
    const auto checkTargets = [&] {
        for (const auto& b : ui.last().buttons) {
            INFO(b.label);
            CHECK(b.y1 - b.y0 >= 48.f);
            CHECK(b.x1 - b.x0 >= 48.f);
        }
    };
    checkTargets();
    ui.tap("Start");
    checkTargets();
    ui.tap("Jeg vil gerne svare");
    ui.tap("Næste →");
    checkTargets();
    for (const auto& pair : client::textColourPairs()) {
        const double a = luminance(pair.text) + 0.05;
        const double b = luminance(pair.background) + 0.05;
        INFO(pair.name);
        CHECK(std::max(a, b) / std::min(a, b) >= 7.0);
    }
    for (const unsigned codepoint : client::uiCodepoints()) {
        INFO(codepoint);
        CHECK(ui.fonts().body->FindGlyphNoFallback(static_cast<ImWchar>(codepoint)) != nullptr);
    }
}

TEST_CASE("the UI follows the display's shorter side, and body text never gets under 28 px") {
    CHECK(client::uiScale(1280, 800) == doctest::Approx(1.0));
    CHECK(client::uiScale(800, 1280) == doctest::Approx(1.0));  // portrait: as large as landscape
    CHECK(client::uiScale(1024, 768) == doctest::Approx(0.96));
    CHECK(client::uiScale(1920, 1080) == doctest::Approx(1.35));
    CHECK(client::uiScale(2560, 1600, 2) == doctest::Approx(2.0));  // 1280x800 at 2x: the same sizes, twice the pixels
    CHECK(client::uiScale(800, 480) == doctest::Approx(28.0 / 30));   // small screens scroll instead
    CHECK(client::uiScale(1280, 720, 2) == doctest::Approx(56.0 / 30));
}

namespace {

struct DisplaySize {
    const char* name;
    float width, height, density;
};

const DisplaySize kDisplaySizes[] = {{"portrait 800x1280", 800, 1280, 1}, {"1024x768", 1024, 768, 1}, {"1280x720", 1280, 720, 1}, {"1280x800", 1280, 800, 1},
                                     {"1920x1080", 1920, 1080, 1},        {"2560x1600 at 2x", 2560, 1600, 2}};

struct Box {
    float x0, y0, x1, y1;
    float area() const { return std::max(0.f, x1 - x0) * std::max(0.f, y1 - y0); }
};

// Checks the last frame: every button on the screen (or in a scrolling region, beyond its bottom), large
// enough to touch, with its whole label inside it;
// every vertex of every window on the screen (scrolling regions may run past the bottom and top, never the
// sides); no two glyphs of a window on top of each other; every font at least 28 px per density unit.
void checkLayout(const Ui& ui, const std::string& where) {
    INFO(where);
    const ImGuiIO& io = ImGui::GetIO();
    const float w = io.DisplaySize.x, h = io.DisplaySize.y;
    const float scale = ui.fonts().scale;
    constexpr float kSlack = 1;  // anti-aliasing fringes
    for (const auto& b : ui.last().buttons) {
        INFO("button '" << b.label << "' at " << b.x0 << "," << b.y0 << " - " << b.x1 << "," << b.y1);
        CHECK(b.x0 >= -kSlack);
        CHECK(b.y0 >= -kSlack);
        CHECK(b.x1 <= w + kSlack);
        CHECK((b.y1 <= h + kSlack || b.scrolls));
        CHECK(b.y1 - b.y0 >= 48 * std::max(ui.density(), scale));
        CHECK(b.x1 - b.x0 >= 48 * std::max(ui.density(), scale));
        const float room = b.x1 - b.x0 - 2 * b.padding;
        if (b.wraps) CHECK(ImGui::CalcTextSize(b.label.c_str(), nullptr, false, room).y <= b.y1 - b.y0 - 2 * ImGui::GetStyle().FramePadding.y + kSlack);
        else CHECK(ImGui::CalcTextSize(b.label.c_str()).x <= room + kSlack);
    }
    for (const ImFont* font : io.Fonts->Fonts) CHECK(font->FontSize >= 28 * ui.density());
    CHECK(ui.fonts().body->FontSize == doctest::Approx(30 * scale));

    const ImVec2 white = io.Fonts->TexUvWhitePixel;
    const ImDrawData* data = ImGui::GetDrawData();
    REQUIRE(data != nullptr);
    for (int l = 0; l < data->CmdListsCount; ++l) {
        const ImDrawList* list = data->CmdLists[l];
        const bool scrolls = std::string_view(list->_OwnerName).find('/') != std::string_view::npos;  // a child window
        INFO("window " << list->_OwnerName);
        bool inside = true;
        for (const ImDrawCmd& cmd : list->CmdBuffer) {
            for (unsigned i = 0; i < cmd.ElemCount; ++i) {
                const ImVec2 at = list->VtxBuffer[static_cast<int>(cmd.VtxOffset + list->IdxBuffer[static_cast<int>(cmd.IdxOffset + i)])].pos;
                inside = inside && at.x >= cmd.ClipRect.x - kSlack && at.x <= cmd.ClipRect.z + kSlack && at.x >= -kSlack &&
                         at.x <= w + kSlack && (scrolls || (at.y >= -kSlack && at.y <= h + kSlack));
            }
        }
        CHECK_MESSAGE(inside, "something is drawn off the screen or clipped at the side");
        std::vector<Box> glyphs;  // a glyph is a quad of four vertices away from the white pixel
        for (int v = 0; v + 3 < list->VtxBuffer.Size;) {
            const ImDrawVert& a = list->VtxBuffer[v];
            if (a.uv.x == white.x && a.uv.y == white.y) {
                ++v;
                continue;
            }
            const ImDrawVert& c = list->VtxBuffer[v + 2];
            glyphs.push_back({std::min(a.pos.x, c.pos.x), std::min(a.pos.y, c.pos.y), std::max(a.pos.x, c.pos.x), std::max(a.pos.y, c.pos.y)});
            v += 4;
        }
        std::sort(glyphs.begin(), glyphs.end(), [](const Box& x, const Box& y) { return x.x0 < y.x0; });
        int overlaps = 0;
        for (std::size_t i = 0; i < glyphs.size(); ++i) {
            for (std::size_t j = i + 1; j < glyphs.size() && glyphs[j].x0 < glyphs[i].x1; ++j) {
                const Box both{glyphs[j].x0, std::max(glyphs[i].y0, glyphs[j].y0), std::min(glyphs[i].x1, glyphs[j].x1),
                               std::min(glyphs[i].y1, glyphs[j].y1)};
                if (both.area() > 0.25f * std::min(glyphs[i].area(), glyphs[j].area())) ++overlaps;
            }
        }
        CHECK_MESSAGE(overlaps == 0, overlaps << " glyphs drawn over other text");
    }
}

// Taps through a whole survey, checking every screen: the first option of each question (or "3" on a
// number pad), then Next or Finish.
void tourSurvey(Ui& ui, const std::string& where) {
    for (int guard = 0; guard < 80 && ui.screen() == Screen::Question; ++guard) {
        const auto view = std::get<client::QuestionView>(ui.app().view(ui.now).content);
        checkLayout(ui, where + ", question " + view.progressText + ": " + view.title);
        if (!view.options.empty() && std::none_of(view.options.begin(), view.options.end(), [](const auto& o) { return o.selected; }) &&
            view.options.front().enabled) {
            ui.tap(view.options.front().label);
        }
        if (!view.keys.empty()) ui.tap("3");
        ui.tap(std::get<client::QuestionView>(ui.app().view(ui.now).content).next.label);
    }
}

}  // namespace

TEST_CASE("every screen fits every display: on screen, nothing clipped or overlapping, text and targets large enough") {
    for (const auto& size : kDisplaySizes) {
        const std::string name = size.name;
        CAPTURE(name);
        {
            Ui ui(size.width, size.height, nullptr, size.density);
            checkLayout(ui, "welcome");
            ui.tap("English");
            checkLayout(ui, "welcome in English");
            ui.tap("Start");
            checkLayout(ui, "consent in English");
            ui.tap("I want to take part");
            ui.tap("Next →");
            ui.tap("Start over");
            checkLayout(ui, "start over?");
            ui.tap("No, continue");
            ui.wait(91s);
            checkLayout(ui, "idle warning");
            ui.tap("Yes, continue");
            ui.tap("Start over");
            ui.tap("Yes, delete and start over");
            ui.tap("Start");
            checkLayout(ui, "consent");
            ui.tap("Jeg vil gerne svare");
            tourSurvey(ui, "the default survey");
            REQUIRE(ui.screen() == Screen::Profile);
            checkLayout(ui, "profile");
            ui.tap("Færdig");
            checkLayout(ui, "thank you");
            {  // two held responses, so that the admin screen offers to delete them
                auto outbox = sync::Outbox::open(ui.outboxFile());
                REQUIRE(outbox.ok());
                REQUIRE(outbox->add(shared::newUuidV4(), shared::randomBytes(80), true).ok());
            }
            ui.wait(9s);
            holdAdminCorner(ui);
            REQUIRE(ui.screen() == Screen::PinPad);
            for (const char* d : {"2", "4", "6", "8", "1", "3"}) ui.tap(d);
            checkLayout(ui, "PIN pad");
            ui.tap("OK");
            REQUIRE(ui.screen() == Screen::Admin);
            checkLayout(ui, "admin");
            ui.tap("Kontrollér kiosken");
            checkLayout(ui, "checks running");
            REQUIRE_FALSE(waitForChecks(ui, ui.app()).lines.empty());
            checkLayout(ui, "checks");
            ui.tap("← Tilbage");
            ui.tap("Slet tilbageholdte svar");
            checkLayout(ui, "delete held answers?");
        }
        {
            Ui ui(size.width, size.height, nullptr, size.density, test::pulseSurveyPath());
            ui.tap("Start");
            ui.tap(std::get<client::ConsentView>(ui.app().view(ui.now).content).accept.label);
            tourSurvey(ui, "the pulse survey");
            checkLayout(ui, "the pulse survey's profile");
        }
        {
            Ui ui(size.width, size.height, std::make_unique<FlakyStore>(1), size.density);
            completeDefaultSurvey(ui);
            REQUIRE(ui.screen() == Screen::Saving);
            checkLayout(ui, "saving failed");
            ui.showFatalError("Svarboks cannot start", "/etc/svarboks/kiosk.json: idle_timeout_seconds must be a number of seconds");
            checkLayout(ui, "a kiosk that cannot start");
        }
    }
}

TEST_CASE("no plaintext answer reaches the disk: the outbox, its WAL and journal hold sealed bytes only") {
    Ui ui;
    completeDefaultSurvey(ui);
    REQUIRE(ui.screen() == Screen::Profile);
    std::string disk;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        const auto file = ui.outboxFile().string() + suffix;
        if (std::filesystem::exists(file)) disk += test::readFile(file);
    }
    REQUIRE(disk.size() > 1000);
    for (const char* secret : {"info_1", "home_care", "uses_welfare_tech", "digital-kompetence", "\"answers\"", "2026-W"}) {
        INFO(secret);
        CHECK(disk.find(secret) == std::string::npos);
    }
}

// The pulse survey with free text allowed and a comment question first.
std::filesystem::path freeTextSurvey(const std::filesystem::path& dir) {
    json survey = json::parse(test::readFile(test::pulseSurveyPath()));
    survey["allowFreeText"] = true;
    survey["pages"].insert(survey["pages"].begin(),
                           json{{"name", "idea"},
                                {"elements", json::array({{{"type", "comment"},
                                                           {"name", "idea"},
                                                           {"title", {{"da", "Hvad ville hjælpe dig mest?"}, {"default", "What would help you most?"}}}}})}});
    const auto path = dir / "free-text.json";
    std::ofstream(path) << survey.dump(2);
    return path;
}

TEST_CASE("a free-text question: the on-screen keyboard with æøå, the count and limit, and the warning not to write names") {
    TempDir dir;
    for (const auto& size : kDisplaySizes) {
        const std::string name = size.name;
        CAPTURE(name);
        Ui ui(size.width, size.height, nullptr, size.density, freeTextSurvey(dir.path()));
        ui.tap("Start");
        ui.tap(std::get<client::ConsentView>(ui.app().view(ui.now).content).accept.label);
        REQUIRE(ui.screen() == Screen::Question);
        const auto drawn = [&](const std::string& text) {
            return std::find(ui.last().texts.begin(), ui.last().texts.end(), text) != ui.last().texts.end();
        };
        CHECK(drawn("Skriv ikke navne eller andet, der kan afsløre, hvem du eller andre er."));
        CHECK(drawn("0 af 500 tegn"));
        checkLayout(ui, "free text, empty");
        for (const char* key : {"M", "e", "r", "e", "mellemrum", "t", "i", "d", "mellemrum", "p", "å", "mellemrum", "⇧", "Æ", "ø"}) ui.tap(key);
        const std::string typed = "Mere tid på Æø";  // a capital first, and after Shift for one letter
        CHECK(drawn(typed));
        CHECK(drawn("14 af 500 tegn"));
        CHECK(ui.app().model().textDraft() == typed);
        ui.tap("⌫");
        CHECK(ui.app().model().textDraft() == "Mere tid på Æ");
        checkLayout(ui, "free text, typed");
        ui.tap("Næste →");
        ui.tap("← Tilbage");  // the answer is kept when coming back
        CHECK(ui.app().model().textDraft() == "Mere tid på Æ");
    }
    // The limit: a key past 500 characters types nothing, and the count says so; the text is what is saved.
    auto recording = std::make_unique<FlakyStore>(0);
    FlakyStore* store = recording.get();
    Ui ui(1280, 800, std::move(recording), 1, freeTextSurvey(dir.path()));
    ui.tap("Start");
    ui.tap(std::get<client::ConsentView>(ui.app().view(ui.now).content).accept.label);
    for (int i = 0; i < 501; ++i) ui.app().handle(client::Intent::withText(client::Intent::Kind::KeyboardKey, "a"), ui.now);
    ui.wait(0s);
    CHECK(client::Keyboard::length(ui.app().model().textDraft()) == 500);
    CHECK(std::find(ui.last().texts.begin(), ui.last().texts.end(), "500 af 500 tegn") != ui.last().texts.end());
    ui.tap("Næste →");
    tourSurvey(ui, "the pulse survey after free text");
    REQUIRE(store->saved.size() == 1);
    CHECK(store->saved[0].answers["idea"] == std::string(500, 'a'));
}

TEST_CASE("the profile fits every display: each area and its advice readable on a page, no scrolling") {
    for (const auto& size : kDisplaySizes) {
        const std::string name = size.name;
        CAPTURE(name);
        Ui ui(size.width, size.height, nullptr, size.density);
        completeDefaultSurvey(ui);
        REQUIRE(ui.screen() == Screen::Profile);
        const client::ScreenView shown = ui.app().view(ui.now);
        const auto& profile = std::get<client::ProfileView>(shown.content);
        REQUIRE(profile.areas.size() == 5);
        std::vector<std::string> read;
        std::size_t pages = 1;
        for (;; ++pages) {
            INFO("page " << pages);
            checkLayout(ui, "profile");
            CHECK_FALSE(ui.last().cutOff);
            read.insert(read.end(), ui.last().texts.begin(), ui.last().texts.end());
            const auto* next = ui.find(profile.nextPage.label);
            if (!next || !next->enabled) break;
            REQUIRE(pages < 6);
            ui.tap(profile.nextPage.label);
        }
        MESSAGE(name << ": the profile on " << pages << " page(s)");
        const auto has = [&](const std::string& text) { return std::find(read.begin(), read.end(), text) != read.end(); };
        for (const auto& area : profile.areas) {
            CHECK(has(area.title));
            CHECK(has(area.level));
            CHECK(has(area.advice));
        }
        if (pages > 1) {  // back to the first page, and Done still ends it
            CHECK(has(profile.pageOf(pages - 1, pages)));
            for (std::size_t back = 1; back < pages; ++back) ui.tap(profile.previousPage.label);
            CHECK_FALSE(ui.find(profile.previousPage.label)->enabled);
            CHECK(std::find(ui.last().texts.begin(), ui.last().texts.end(), profile.areas.front().title) != ui.last().texts.end());
        }
        ui.tap(profile.done.label);
        CHECK(ui.screen() == Screen::ThankYou);
    }
}

TEST_CASE("larger text: chosen on the welcome screen, every screen reflows at every display size, the next respondent starts normal") {
    for (const auto& size : kDisplaySizes) {
        const std::string name = size.name;
        CAPTURE(name);
        Ui ui(size.width, size.height, nullptr, size.density);
        const float normal = ui.fonts().body->FontSize;
        ui.tap("Større tekst");
        CHECK(ui.find("Større tekst")->selected);
        CHECK(ui.fonts().body->FontSize == doctest::Approx(normal * client::kLargeTextScale));
        checkLayout(ui, "welcome, larger text");
        ui.tap("Start");
        checkLayout(ui, "consent, larger text");
        CHECK(ui.fonts().body->FontSize == doctest::Approx(normal * client::kLargeTextScale));  // it lasts
        ui.tap(std::get<client::ConsentView>(ui.app().view(ui.now).content).accept.label);
        tourSurvey(ui, "larger text");
        CHECK(ui.fonts().body->FontSize == doctest::Approx(normal * client::kLargeTextScale));
        REQUIRE(ui.screen() == Screen::Profile);
        const client::ScreenView shown = ui.app().view(ui.now);
        const auto& profile = std::get<client::ProfileView>(shown.content);
        for (int page = 0; page < 8; ++page) {
            checkLayout(ui, "profile, larger text");
            CHECK_FALSE(ui.last().cutOff);
            const auto* next = ui.find(profile.nextPage.label);
            if (!next || !next->enabled) break;
            ui.tap(profile.nextPage.label);
        }
        ui.tap(profile.done.label);
        ui.wait(60s);  // the thank-you screen returns to the welcome screen by itself
        REQUIRE(ui.screen() == Screen::Welcome);
        CHECK(ui.fonts().body->FontSize == doctest::Approx(normal));
        CHECK_FALSE(ui.find("Større tekst")->selected);
    }
}

TEST_CASE("the setup and not-ready screens fit every display too") {
    REQUIRE(shared::sodiumInit());
    for (const auto& size : kDisplaySizes) {
        const std::string name = size.name;
        CAPTURE(name);
        TempDir dir;
        {  // no config yet: the setup screen, its keyboard under the fields (stacked in portrait)
            client::KioskShell::Options options;
            options.configFile = dir.path() / "new" / "kiosk.json";
            options.defaultsFile = dir.path() / "no-defaults.json";
            options.startUploader = false;
            Ui ui(options, size.width, size.height, size.density);
            REQUIRE(ui.screen() == Screen::Setup);
            checkLayout(ui, "setup");
            ui.tap("English");
            checkLayout(ui, "setup in English");
        }
        {  // enrolled, without its unit's survey: not ready
            shared::KioskConfig config;
            config.surveyFile = test::defaultSurveyPath().string();
            config.outboxFile = (dir.path() / "outbox.db").string();
            config.endpointUrl = "https://127.0.0.1:1";
            config.deviceId = "dev-1";
            config.deviceToken = "token-0123456789";
            config.unitName = "Plejecenter Solhøj";
            config.centralPublicKey = shared::publicKeyToBase64(shared::generateKeyPair().publicKey);
            REQUIRE(shared::saveConfig(config, dir.path() / "kiosk.json").ok());
            client::KioskShell::Options options;
            options.configFile = dir.path() / "kiosk.json";
            options.startUploader = false;
            Ui ui(options, size.width, size.height, size.density);
            REQUIRE(ui.screen() == Screen::NotReady);
            checkLayout(ui, "not ready");
        }
    }
}

// Moves the keyboard focus forward (Tab) to the button labelled `label`; fails if it is not reachable.
void focusOn(Ui& ui, const std::string& label) {
    for (int presses = 0; presses < 40; ++presses) {
        if (ui.focused() && ui.focused()->label == label) return;
        ui.key(client::KeyboardFocus::Key::Next);
    }
    FAIL("Tab never reaches '" << label << "'");
}

TEST_CASE("without touch: Tab, the arrows, Enter and Space answer the whole survey, with a visible focus ring") {
    using Key = client::KeyboardFocus::Key;
    Ui ui;
    CHECK(ui.focused() == nullptr);  // no ring until a key is used
    ui.key(Key::Next);
    REQUIRE(ui.focused() != nullptr);
    focusOn(ui, "Start");
    ui.key(Key::Press);
    REQUIRE(ui.screen() == Screen::Consent);
    CHECK(ui.focused() == nullptr);  // a new screen: the focus starts again from its first button
    focusOn(ui, "Jeg vil gerne svare");
    ui.key(Key::Press);
    REQUIRE(ui.screen() == Screen::Question);

    // Back and forth: Shift+Tab (Previous) goes back, and around the ends.
    ui.key(Key::Next);
    const std::string first = ui.focused()->label;
    ui.key(Key::Previous);
    const std::string last = ui.focused()->label;
    CHECK(last != first);
    ui.key(Key::Next);
    CHECK(ui.focused()->label == first);

    // A dialog keeps the focus in it: only its two buttons are reached.
    focusOn(ui, "Start forfra");
    ui.key(Key::Press);
    const client::ScreenView dialog = ui.app().view(ui.now);
    const auto& confirm = std::get<client::QuestionView>(dialog.content);
    REQUIRE(confirm.confirm);
    std::set<std::string> reached;
    for (int i = 0; i < 6; ++i) {
        ui.key(Key::Next);
        reached.insert(ui.focused()->label);
    }
    CHECK(reached == std::set<std::string>{confirm.confirm->yes.label, confirm.confirm->no.label});
    focusOn(ui, confirm.confirm->no.label);
    ui.key(Key::Press);
    REQUIRE(ui.screen() == Screen::Question);

    // A tap hides the ring; the next key shows it again.
    ui.key(Key::Next);
    REQUIRE(ui.focused() != nullptr);
    ui.tap(ui.last().buttons.back().label);
    CHECK(ui.focused() == nullptr);

    // Every question by keyboard alone: an option chosen with Space, then Next with Enter.
    int answered = 0;
    for (int guard = 0; guard < 80 && ui.screen() == Screen::Question; ++guard) {
        for (const char* preferred : {"Det kan jeg selv", "Ja", "Hjemmepleje"}) {
            if (const auto* option = ui.find(preferred); option && option->enabled) {
                focusOn(ui, preferred);
                ui.key(Key::Press);
                CHECK(ui.find(preferred)->selected);
                ++answered;
                break;
            }
        }
        focusOn(ui, ui.find("Afslut ✓") ? "Afslut ✓" : "Næste →");
        ui.key(Key::Press);
    }
    CHECK(answered > 20);
    REQUIRE(ui.screen() == Screen::Profile);
    focusOn(ui, "Færdig");
    CHECK(ui.focused()->label == "Færdig");
}

TEST_CASE("a failed commit: a plain message, the answers stay in memory, the kiosk retries, the admin sees the error") {
    auto flaky = std::make_unique<FlakyStore>(2);
    FlakyStore* store = flaky.get();
    Ui ui(1280, 800, std::move(flaky));
    completeDefaultSurvey(ui);
    REQUIRE(ui.screen() == Screen::Saving);
    CHECK(ui.find("Prøv igen nu") != nullptr);
    CHECK(ui.app().adminStatus().lastError.find("disk is full") != std::string::npos);
    ui.tap("Prøv igen nu");  // the second failure
    CHECK(ui.screen() == Screen::Saving);
    CHECK(store->saved.empty());
    ui.wait(6s);  // the kiosk retries by itself
    REQUIRE(ui.screen() == Screen::Profile);
    REQUIRE(store->saved.size() == 1);
    CHECK(store->saved[0].answers["info_1"] == 3);
    CHECK(ui.app().adminStatus().lastError.empty());
}

TEST_CASE("the admin's Check: runs off the UI thread, then one line per check with its mark and what to do") {
    TempDir dir;
    REQUIRE(shared::sodiumInit());
    shared::KioskConfig config;
    config.surveyFile = test::defaultSurveyPath().string();
    config.outboxFile = (dir.path() / "outbox.db").string();
    config.endpointUrl = "https://127.0.0.1:1";  // nothing listens: the endpoint line is a problem at once
    config.deviceId = "dev-1";
    config.deviceToken = "token-0123456789";
    config.centralPublicKey = shared::publicKeyToBase64(shared::generateKeyPair().publicKey);
    config.pinHash = shared::hashPin("246813").value();
    REQUIRE(shared::saveConfig(config, dir.path() / "kiosk.json").ok());
    client::KioskShell::Options options;
    options.configFile = dir.path() / "kiosk.json";
    options.startUploader = false;
    Ui ui(options);
    REQUIRE(ui.screen() == Screen::NotReady);  // enrolled, without its unit's survey
    holdAdminCorner(ui);
    for (const char* d : {"2", "4", "6", "8", "1", "3"}) ui.tap(d);
    ui.tap("OK");
    REQUIRE(ui.screen() == Screen::Admin);

    ui.tap("Kontrollér kiosken");
    REQUIRE(ui.screen() == Screen::Checks);
    const auto view = waitForChecks(ui, *ui.shell().app());
    CHECK(view.title == "Kontrol af kiosken");
    REQUIRE(view.lines.size() >= 10);
    const auto lineNamed = [&](const std::string& name) {
        const auto it = std::find_if(view.lines.begin(), view.lines.end(), [&](const auto& l) { return l.name == name; });
        REQUIRE_MESSAGE(it != view.lines.end(), "no line " << name);
        return *it;
    };
    const auto config0 = lineNamed("konfiguration");
    CHECK(config0.mark == "✓ OK");
    CHECK(config0.action.empty());
    const auto endpoint = lineNamed("centralt endpoint");
    CHECK(endpoint.mark == "✗ Fejl");
    CHECK(endpoint.detail.find("https://127.0.0.1:1") != std::string::npos);
    CHECK(endpoint.action.find("netværket") != std::string::npos);
    const auto survey = lineNamed("spørgeskema");
    CHECK(survey.mark == "✗ Fejl");
    CHECK(survey.detail.find("ikke klar") != std::string::npos);
    CHECK(lineNamed("tilmelding").mark == "! Advarsel");
    CHECK(view.summary.find("Fejl: ") == 0);
    checkLayout(ui, "the checks");

    ui.tap("Kontrollér igen");
    REQUIRE(waitForChecks(ui, *ui.shell().app()).lines.size() == view.lines.size());
    ui.tap("← Tilbage");
    CHECK(ui.screen() == Screen::Admin);
}

TEST_CASE("setup on the touch screen: the address from IT's defaults, the code and the PIN typed on the keyboard; a failure, then enrolled and not ready") {
    TempDir dir;
    const auto defaults = dir.path() / "it-defaults.json";
    std::ofstream(defaults) << R"({"endpoint_url": "https://central.kommune.dk:8443", "idle_timeout_seconds": 120})";
    const auto configFile = dir.path() / "kiosk" / "kiosk.json";
    std::vector<client::SetupRequest> requests;
    const std::string centralKey = shared::publicKeyToBase64(shared::generateKeyPair().publicKey);
    client::KioskShell::Options options;
    options.configFile = configFile;
    options.defaultsFile = defaults;
    options.startUploader = false;
    options.runSetup = [&](const client::SetupRequest& request) {
        requests.push_back(request);
        client::SetupResult result;
        if (requests.size() == 1) {
            result.failure = client::SetupModel::Failure::Unreachable;
            result.detail = "enrolment failed after 3 tries: no connection: Connection refused";
            return result;
        }
        shared::KioskConfig config = request.base;
        config.endpointUrl = request.endpoint;
        config.deviceToken = "token-0123456789";
        config.deviceId = "dev-1";
        config.unitName = "Plejecenter Solhøj";
        config.centralPublicKey = centralKey;
        // On the enrolment's thread: no REQUIRE here; a failure shows as a setup that did not finish.
        if (auto saved = shared::saveConfig(config, request.configFile); !saved) {
            result.failure = client::SetupModel::Failure::NotStored;
            result.detail = saved.message();
            return result;
        }
        result.config = shared::loadConfig(request.configFile).value();
        result.survey.outcome = sync::SurveyFetch::Outcome::NoSurvey;
        result.survey.status.surveyNote.kind = sync::SurveyNote::Kind::NotAssigned;
        return result;
    };
    Ui ui(options);
    REQUIRE(ui.screen() == Screen::Setup);
    CHECK(ui.find("https://central.kommune.dk:8443##endpoint") != nullptr);
    CHECK(ui.find("Tilmeld") != nullptr);
    CHECK_FALSE(ui.find("Tilmeld")->enabled);
    for (const auto& b : ui.last().buttons) {  // every key a finger can hit, on the screen
        INFO(b.label);
        CHECK(b.y1 - b.y0 >= 48.f);
        CHECK(b.x1 - b.x0 >= 48.f);
        CHECK(b.x0 >= 0.f);
        CHECK(b.y1 <= 800.f);
    }
    // The code field has the keyboard, in capitals.
    for (const char* key : {"K", "7", "Q", "M", "-", "3", "X", "H", "D", "-", "9", "P", "L", "A"}) ui.tap(key);
    CHECK(ui.find("K7QM-3XHD-9PLA##code") != nullptr);
    ui.tap("##pin");
    for (const char* key : {"4", "8", "2", "9", "1", "3"}) ui.tap(key);
    CHECK(ui.find("●●●●●●##pin") != nullptr);
    for (const char* key : {"4", "8", "2", "9", "1", "3"}) ui.tap(key);  // into the repetition, which has the focus now
    CHECK(ui.find("●●●●●●##pin_repeat") != nullptr);
    REQUIRE(ui.find("Tilmeld")->enabled);
    ui.tap("English");
    ui.tap("Enrol");
    for (int i = 0; i < 500 && ui.shell().setup() && ui.shell().setup()->phase() == client::SetupModel::Phase::Enrolling; ++i) {
        std::this_thread::sleep_for(10ms);
        ui.wait(100ms);
    }
    ui.wait(0ms);  // draw what the loop saw: the enrolment may have ended after its last frame
    REQUIRE(ui.shell().setup() != nullptr);
    CHECK(ui.shell().setup()->phase() == client::SetupModel::Phase::Failed);
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].endpoint == "https://central.kommune.dk:8443");
    CHECK(requests[0].code == "K7QM-3XHD-9PLA");
    CHECK(requests[0].pin == "482913");
    CHECK(requests[0].base.idleTimeoutSeconds == 120);  // IT's defaults reach the new config
    const auto failed = std::get<client::SetupView>(ui.shell().view(ui.now).content);
    REQUIRE(failed.message);
    CHECK(failed.message->title == "The central system could not be reached");
    CHECK(failed.message->body.find("Connection refused") != std::string::npos);

    ui.tap("Back, and try again");
    ui.tap("Enrol");
    for (int i = 0; i < 500 && ui.shell().setup(); ++i) {
        std::this_thread::sleep_for(10ms);
        ui.wait(100ms);
    }
    REQUIRE(ui.shell().app() != nullptr);
    CHECK(ui.screen() == Screen::NotReady);
    const auto notReady = std::get<client::NotReadyView>(ui.shell().view(ui.now).content);
    REQUIRE(notReady.blocks.size() == 2);
    CHECK(notReady.blocks[0].title == "Kiosken er ikke klar endnu");
    CHECK(notReady.blocks[1].title == "This kiosk is not ready yet");
    CHECK(ui.find("Start") == nullptr);  // nobody can answer
}

TEST_CASE("read aloud: the button on every respondent screen says that screen in the respondent's language, and stops when they move on") {
    Ui ui;
    const auto& said = ui.speaker->said;
    ui.tap("▶ Læs op");
    REQUIRE(said.size() == 1);
    CHECK(said.back().language == "da");
    CHECK(said.back().parts.front() == std::get<client::WelcomeView>(ui.app().view(ui.now).content).title);
    CHECK(ui.find("■ Stop") != nullptr);  // while it speaks, the same button stops it
    ui.tap("■ Stop");
    CHECK_FALSE(ui.speaker->speaking());
    CHECK(said.size() == 1);
    CHECK(ui.find("▶ Læs op") != nullptr);

    ui.tap("English");
    ui.tap("▶ Read aloud");
    REQUIRE(said.size() == 2);
    CHECK(said.back().language == "en");
    CHECK(said.back().parts.front() == std::get<client::WelcomeView>(ui.app().view(ui.now).content).title);
    ui.tap("Start");  // moving on stops it
    CHECK_FALSE(ui.speaker->speaking());
    ui.tap("▶ Read aloud");
    CHECK(said.back().parts.front() == "Before you start");
    ui.tap("I want to take part");
    CHECK_FALSE(ui.speaker->speaking());

    ui.tap("Next →");  // the first question: where the respondent works, with its options in order
    ui.tap("▶ Read aloud");
    const auto question = std::get<client::QuestionView>(ui.app().view(ui.now).content);
    const auto& parts = said.back().parts;
    REQUIRE(parts.size() >= question.options.size() + 1);
    CHECK(parts.front() == question.title);
    std::vector<std::string> options;
    for (const auto& option : question.options) options.push_back(option.label);
    CHECK(std::search(parts.begin(), parts.end(), options.begin(), options.end()) != parts.end());
    CHECK(said.back().text().find(options.front() + ". " + options[1] + ".") != std::string::npos);  // a pause between options
    ui.tap(options.front());  // answering stops it
    CHECK_FALSE(ui.speaker->speaking());

    // A screen that changes by itself stops it too: the idle wipe. While it speaks, the kiosk counts as in use.
    ui.tap("▶ Read aloud");
    ui.wait(100s);
    CHECK(ui.screen() == Screen::Question);
    CHECK(ui.app().view(ui.now).idleWarning == std::nullopt);
    ui.speaker->finish();
    ui.wait(1s);
    CHECK(ui.find("▶ Read aloud") != nullptr);
    ui.wait(91s);
    REQUIRE(ui.app().view(ui.now).idleWarning.has_value());
    ui.tap("▶ Read aloud");  // the warning covers the screen: its button cannot be tapped
    CHECK(ui.screen() == Screen::Question);
    CHECK(said.size() == 5);
}

TEST_CASE("read aloud: on the profile it reads each area; admin screens have no button; read_aloud false shows none") {
    Ui ui;
    completeDefaultSurvey(ui);
    REQUIRE(ui.screen() == Screen::Profile);
    ui.tap("▶ Læs op");
    const auto profile = std::get<client::ProfileView>(ui.app().view(ui.now).content);
    REQUIRE_FALSE(profile.areas.empty());
    const auto& parts = ui.speaker->said.back().parts;
    CHECK(std::find(parts.begin(), parts.end(), profile.areas.front().title) != parts.end());
    CHECK(std::find(parts.begin(), parts.end(), profile.areas.back().advice) != parts.end());
    ui.tap("Færdig");
    CHECK_FALSE(ui.speaker->speaking());
    CHECK(ui.find("▶ Læs op") == nullptr);  // the thank-you screen: gone in a few seconds
    ui.wait(9s);
    holdAdminCorner(ui);
    REQUIRE(ui.screen() == Screen::PinPad);
    CHECK(ui.find("▶ Læs op") == nullptr);

    shared::KioskConfig quiet;
    quiet.readAloud = false;
    auto texts = client::UiTexts::load(test::sourceDir() / "assets/ui/texts.json");
    REQUIRE(texts.ok());
    auto loaded = shared::loadSurveyFile(test::defaultSurveyPath());
    REQUIRE(loaded.ok());
    client::KioskApp app(quiet, std::make_shared<const shared::Survey>(std::move(*loaded.survey)), std::move(texts).value(),
                         std::make_unique<FlakyStore>(0), [](std::string_view) { return false; });
    const auto speaker = std::make_shared<FakeSpeaker>();
    app.setSpeaker(speaker);
    CHECK_FALSE(app.view(ui.now).readAloud.has_value());
    app.handle(client::Intent::of(client::Intent::Kind::ReadAloud), ui.now);
    CHECK(speaker->said.empty());
}
