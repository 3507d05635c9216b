#include "svarboks/client/screens.hpp"

#include <imgui.h>

#include <algorithm>
#include <cfloat>
#include <cmath>

namespace svarboks::client {

namespace {

// Colours: near-black on warm white (about 17:1), white on deep blue (about 10:1), all at least 7:1.
const ImVec4 kBackground{0.98f, 0.976f, 0.96f, 1.f};
const ImVec4 kText{0.10f, 0.10f, 0.10f, 1.f};
const ImVec4 kMuted{0.24f, 0.24f, 0.26f, 1.f};
const ImVec4 kPrimary{0.04f, 0.24f, 0.50f, 1.f};
const ImVec4 kPrimaryHover{0.06f, 0.30f, 0.60f, 1.f};
const ImVec4 kSurface{1.f, 1.f, 1.f, 1.f};
const ImVec4 kSurfaceHover{0.91f, 0.94f, 0.98f, 1.f};
const ImVec4 kBorder{0.20f, 0.22f, 0.26f, 1.f};
const ImVec4 kDisabledBg{0.90f, 0.90f, 0.90f, 1.f};
const ImVec4 kDisabledText{0.29f, 0.29f, 0.29f, 1.f};
const ImVec4 kProblem{0.55f, 0.10f, 0.05f, 1.f};
const ImVec4 kWarning{0.45f, 0.27f, 0.f, 1.f};
const ImVec4 kFine{0.f, 0.33f, 0.13f, 1.f};
const ImVec4 kBarTrack{0.85f, 0.86f, 0.88f, 1.f};

constexpr float kBodyPx = 30;          // at scale 1 (a shorter side of 800 px): above the 28 px minimum
constexpr float kMinBodyPx = 28;       // never smaller, per density unit, on any display
constexpr float kReferenceSide = 800;  // the shorter side at which the scale is 1
constexpr float kTitlePx = 44;
constexpr float kButtonHeight = 76;  // touch targets far above 48 px
constexpr float kChoiceHeight = 60;  // answer options: compact, still far above 48 px
constexpr float kChoicePadding = 64; // left of an option's label: its tick box; as much on the right
constexpr float kColumnWidth = 1100;
// The corner button (Read aloud): above the question's progress bar, clear of the admin corner (top left).
constexpr float kCornerTop = 12;
constexpr float kCornerHeight = 60;
constexpr float kCornerWidth = 240;  // fits "▶ Read aloud" and "■ Stop" alike, so it does not jump when tapped

using K = Intent::Kind;

class Painter {
public:
    explicit Painter(const UiFonts& fonts, FocusState focus = {}) : m_fonts(fonts), m_s(fonts.scale), m_focus(focus) {}

    float px(float value) const { return value * m_s; }

    void begin(const char* id) {
        const ImGuiIO& io = ImGui::GetIO();
        ImGui::SetNextWindowPos({0, 0});
        ImGui::SetNextWindowSize(io.DisplaySize);
        ImGui::Begin(id, nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                                      ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse);
        m_width = std::min(io.DisplaySize.x - px(64), px(kColumnWidth));
        m_left = (io.DisplaySize.x - m_width) / 2;
        adminCorner();
    }
    void end() { ImGui::End(); }

    float width() const { return m_width; }
    float left() const { return m_left; }

    void title(const std::string& text) {
        if (m_out.heading.empty()) m_out.heading = text;
        ImGui::PushFont(m_fonts.title);
        wrapped(text, kText);
        ImGui::PopFont();
        ImGui::Dummy({0, px(12)});
    }

    void wrapped(const std::string& text, const ImVec4& colour = kText) {
        if (text.empty()) return;
        m_out.texts.push_back(text);
        ImGui::SetCursorPosX(m_left);
        // Text that starts beside the corner button (Read aloud) wraps before it (on the screen: a scrolling
        // region's own positions start at its top).
        const bool besideCorner = ImGui::GetCursorScreenPos().y < m_cornerBottom;
        ImGui::PushTextWrapPos(m_left + m_width - (besideCorner ? m_cornerWidth + px(16) : 0));
        ImGui::PushStyleColor(ImGuiCol_Text, colour);
        ImGui::TextUnformatted(text.c_str());
        ImGui::PopStyleColor();
        ImGui::PopTextWrapPos();
    }

    /// One line of text at the cursor, unwrapped.
    void text(const std::string& text, const ImVec4& colour = kText) {
        m_out.texts.push_back(text);
        ImGui::TextColored(colour, "%s", text.c_str());
    }

    void paragraphs(const std::vector<std::string>& items) {
        for (const auto& p : items) {
            wrapped(p);
            ImGui::Dummy({0, px(10)});
        }
    }

    void gap(float height) { ImGui::Dummy({0, px(height)}); }

    /// A button as ButtonView says; records its rectangle; returns true when tapped.
    bool button(const ButtonView& view, ImVec2 size, bool choiceStyle = false) {
        const bool selected = view.selected;
        ImVec4 bg = choiceStyle ? kSurface : (view.primary ? kPrimary : kSurface);
        ImVec4 text = choiceStyle ? kText : (view.primary ? kSurface : kText);
        ImVec4 hover = view.primary && !choiceStyle ? kPrimaryHover : kSurfaceHover;
        if (selected) {
            bg = kPrimary;
            text = kSurface;
            hover = kPrimaryHover;
        }
        if (!view.enabled) {
            bg = kDisabledBg;
            text = kDisabledText;
            hover = kDisabledBg;
        }
        ImGui::PushStyleColor(ImGuiCol_Button, bg);
        ImGui::PushStyleColor(ImGuiCol_ButtonHovered, hover);
        ImGui::PushStyleColor(ImGuiCol_ButtonActive, selected ? kPrimaryHover : kSurfaceHover);
        ImGui::PushStyleColor(ImGuiCol_Text, text);
        if (!view.enabled) ImGui::BeginDisabled();
        ImGui::PushID(m_ids++);
        // An option's label is drawn below, wrapped; other labels are one line, centred.
        const bool clicked = ImGui::Button(choiceStyle ? "##option" : view.label.c_str(), size);
        const float padding = choiceStyle ? px(kChoicePadding) : ImGui::GetStyle().FramePadding.x;
        ImGui::PopID();
        if (!view.enabled) ImGui::EndDisabled();
        ImGui::PopStyleColor(4);
        const ImVec2 min = ImGui::GetItemRectMin();
        const ImVec2 max = ImGui::GetItemRectMax();
        if (choiceStyle) {  // a tick box at the left edge (empty, or ticked when chosen), the label right of it
            ImDrawList* draw = ImGui::GetWindowDrawList();
            const float box = px(30);
            const ImVec2 at{min.x + px(20), (min.y + max.y - box) / 2};
            draw->AddRect(at, {at.x + box, at.y + box}, ImGui::GetColorU32(selected ? kSurface : kBorder), px(6), 0, px(2));
            if (selected) draw->AddText(m_fonts.bold, px(kBodyPx), {at.x + px(3), at.y - px(1)}, ImGui::GetColorU32(kSurface), "✓");
            const float wrap = max.x - min.x - 2 * padding;
            const float height = ImGui::CalcTextSize(view.label.c_str(), nullptr, false, wrap).y;
            draw->AddText(ImGui::GetFont(), ImGui::GetFontSize(), {min.x + padding, (min.y + max.y - height) / 2}, ImGui::GetColorU32(text),
                          view.label.c_str(), nullptr, wrap);
        }
        const bool focused = static_cast<int>(m_out.buttons.size()) == m_focus.index && m_out.heading == m_focus.heading;
        if (focused) focusRing(min, max);
        m_out.buttons.push_back({view.label, min.x, min.y, max.x, max.y, view.enabled, selected, m_scrolling, padding, choiceStyle, focused});
        const bool pressed = clicked || (focused && m_focus.press);
        if (pressed && view.enabled) m_out.intent = view.intent;
        return pressed;
    }

    /// The height of an answer option across `width`: one line's, more when its label wraps.
    float choiceHeight(const ButtonView& option, float width) const {
        const float wrap = width - 2 * px(kChoicePadding);
        const float text = ImGui::CalcTextSize(option.label.c_str(), nullptr, false, wrap).y;
        return std::max(px(kChoiceHeight), text + 2 * ImGui::GetStyle().FramePadding.y);
    }

    /// Whether every label fits a button when `perRow` buttons share `width` (else they are stacked).
    bool fitsAcross(const std::vector<ButtonView>& buttons, std::size_t perRow, float width) const {
        const float each = (width - px(16) * static_cast<float>(perRow - 1)) / static_cast<float>(perRow);
        const float padding = 2 * ImGui::GetStyle().FramePadding.x;
        return std::all_of(buttons.begin(), buttons.end(),
                           [&](const ButtonView& b) { return ImGui::CalcTextSize(b.label.c_str()).x + padding <= each; });
    }
    bool fitsAcross(const std::vector<ButtonView>& buttons) const { return fitsAcross(buttons, buttons.size(), m_width); }

    /// The height row() takes: one row, or the buttons stacked when their labels do not fit side by side.
    float rowHeight(const std::vector<ButtonView>& buttons, float height) const {
        if (buttons.empty() || fitsAcross(buttons)) return px(height);
        const auto n = static_cast<float>(buttons.size());
        return n * px(height) + (n - 1) * px(16);
    }

    /// Buttons side by side across `width` from `x` (window coordinates), stacked when they do not fit.
    void row(const std::vector<ButtonView>& buttons, float height, float x, float width) {
        if (buttons.empty()) return;
        const float spacing = px(16);
        const bool across = fitsAcross(buttons, buttons.size(), width);
        const float each = across ? (width - spacing * static_cast<float>(buttons.size() - 1)) / static_cast<float>(buttons.size()) : width;
        const float y = ImGui::GetCursorPosY();
        for (std::size_t i = 0; i < buttons.size(); ++i) {
            if (across && i > 0) ImGui::SameLine(0, spacing);
            else ImGui::SetCursorPos({x, y + static_cast<float>(i) * (px(height) + spacing)});
            button(buttons[i], {each, px(height)}, false);
        }
    }
    void row(const std::vector<ButtonView>& buttons, float height) { row(buttons, height, m_left, m_width); }

    void progressBar(float fraction, float height, ImVec4 fill = kPrimary) {
        ImDrawList* draw = ImGui::GetWindowDrawList();
        ImGui::SetCursorPosX(m_left);
        const ImVec2 start = ImGui::GetCursorScreenPos();
        const ImVec2 end{start.x + m_width, start.y + px(height)};
        draw->AddRectFilled(start, end, ImGui::GetColorU32(kBarTrack), px(height) / 2);
        if (fraction > 0) {
            draw->AddRectFilled(start, {start.x + m_width * std::clamp(fraction, 0.f, 1.f), end.y}, ImGui::GetColorU32(fill), px(height) / 2);
        }
        ImGui::Dummy({m_width, px(height)});
    }

    /// A scrolling region for long content that a finger can drag.
    void beginScroll(const char* id, float height) {
        ImGui::SetCursorPosX(0);
        ImGui::BeginChild(id, {ImGui::GetIO().DisplaySize.x, height}, false, ImGuiWindowFlags_NoScrollbar);
        m_scrolling = true;
    }
    void endScroll() {
        const ImGuiIO& io = ImGui::GetIO();
        if (ImGui::IsWindowHovered() && io.MouseDown[0] && !ImGui::IsAnyItemActive()) {
            ImGui::SetScrollY(ImGui::GetScrollY() - io.MouseDelta.y);
        }
        const bool more = ImGui::GetScrollY() < ImGui::GetScrollMaxY() - 1;
        if (ImGui::GetScrollMaxY() > 1) m_out.cutOff = true;
        ImGui::EndChild();
        m_scrolling = false;
        if (more) {  // a hint that there is more below, in the right margin where there is one
            ImDrawList* draw = ImGui::GetWindowDrawList();
            const ImVec2 at = ImGui::GetItemRectMax();
            const char* arrow = "↓";
            const float arrowWidth = m_fonts.bold->CalcTextSizeA(px(kTitlePx), FLT_MAX, 0, arrow).x;
            const float x = std::min(m_left + m_width + px(8), ImGui::GetIO().DisplaySize.x - arrowWidth - px(4));
            draw->AddText(m_fonts.bold, px(kTitlePx), {x, at.y - px(52)}, ImGui::GetColorU32(kPrimary), arrow);
        }
    }

    /// The bottom bar's top edge: content above it, the navigation buttons `bar` below.
    float bottomBarTop(const std::vector<ButtonView>& bar) const {
        return ImGui::GetIO().DisplaySize.y - rowHeight(bar, kButtonHeight) - px(40);
    }

    /// The top right corner's button (Read aloud): the same place on every screen, above the content; text
    /// that starts beside it wraps before it. Call reserveCorner() before the screen, cornerButton() after it.
    void reserveCorner(const ButtonView& view) {
        const float padding = 2 * ImGui::GetStyle().FramePadding.x;
        m_cornerWidth = std::max(px(kCornerWidth), ImGui::CalcTextSize(view.label.c_str()).x + padding);
        m_cornerBottom = px(kCornerTop + kCornerHeight);
    }
    void cornerButton(const ButtonView& view) {
        ImGui::SetCursorPos({m_left + m_width - m_cornerWidth, px(kCornerTop)});
        button(view, {m_cornerWidth, px(kCornerHeight)});
    }

    FrameOutput take() { return std::move(m_out); }
    FrameOutput& out() { return m_out; }
    const UiFonts& fonts() const { return m_fonts; }

private:
    // The focus ring (WCAG 2.4.7) in two colours: a near-black ring around the button and a white one just
    // inside it, so that one of them stands out (far above 3:1) on a light button and on a dark one alike.
    // A focused button in a scrolling region is scrolled into view.
    void focusRing(ImVec2 min, ImVec2 max) {
        ImDrawList* draw = ImGui::GetWindowDrawList();
        const auto ring = [&](float inset, float thickness, const ImVec4& colour) {
            draw->AddRect({min.x + inset, min.y + inset}, {max.x - inset, max.y - inset}, ImGui::GetColorU32(colour), px(4), 0, thickness);
        };
        ring(-px(6), px(4), kText);    // outside the button: stands out on the light background
        ring(px(5), px(3), kSurface);  // inside it: stands out on a dark (primary or chosen) button
        if (!m_scrolling) return;
        const float top = ImGui::GetWindowPos().y, bottom = top + ImGui::GetWindowHeight();
        if (max.y > bottom) ImGui::SetScrollY(ImGui::GetScrollY() + max.y - bottom + px(16));
        else if (min.y < top) ImGui::SetScrollY(ImGui::GetScrollY() - (top - min.y) - px(16));
    }

    // The hidden admin corner (top left): pressing and holding it is reported; the model times it.
    void adminCorner() {
        const ImVec2 saved = ImGui::GetCursorPos();
        ImGui::SetCursorPos({0, 0});
        ImGui::InvisibleButton("##admin-corner", {px(96), px(96)});
        if (ImGui::IsItemActivated()) m_out.intent = Intent::of(K::CornerPressed);
        if (ImGui::IsItemDeactivated()) m_out.intent = Intent::of(K::CornerReleased);
        ImGui::SetCursorPos(saved);
    }

    const UiFonts& m_fonts;
    float m_s;
    FocusState m_focus;
    float m_width = 0;
    float m_left = 0;
    float m_cornerWidth = 0;
    float m_cornerBottom = 0;  ///< 0: no corner button
    int m_ids = 0;
    bool m_scrolling = false;
    FrameOutput m_out;
};

void drawWelcome(Painter& p, const WelcomeView& view) {
    // Two fifths of the free height above the block, three below (16 % from the top until the block's
    // height is known from the frame before), so a tall portrait screen is not empty in its lower half.
    const float screenHeight = ImGui::GetIO().DisplaySize.y;
    ImGuiStorage* storage = ImGui::GetStateStorage();
    const ImGuiID blockHeight = ImGui::GetID("##welcome-height");
    const float height = storage->GetFloat(blockHeight, 0);
    const float top = height > 0 ? std::max(p.px(96), (screenHeight - height) * 0.4f) : screenHeight * 0.16f;
    ImGui::SetCursorPosY(top);
    p.title(view.title);
    p.wrapped(view.description, kMuted);
    p.gap(40);
    // The languages and the larger-text choice in one row where they fit, else the larger text under them.
    std::vector<ButtonView> choices = view.locales;
    choices.push_back(view.largeText);
    if (p.fitsAcross(choices)) {
        p.row(choices, 64);
    } else {
        if (!view.locales.empty()) p.row(view.locales, 64);
        p.gap(8);
        ImGui::SetCursorPosX(p.left());
        p.button(view.largeText, {p.width(), p.px(64)});
    }
    p.gap(28);
    ImGui::SetCursorPosX(p.left());
    p.button(view.start, {p.width(), p.px(kButtonHeight + 20)});
    p.gap(28);
    p.wrapped(view.anonymousNote, kMuted);
    storage->SetFloat(blockHeight, ImGui::GetCursorPosY() - top);
}

void drawConsent(Painter& p, const ConsentView& view) {
    ImGui::SetCursorPosY(p.px(48));
    p.title(view.title);
    const std::vector<ButtonView> bar{view.decline, view.accept};
    const float top = ImGui::GetCursorPosY();
    p.beginScroll("consent", p.bottomBarTop(bar) - top - p.px(16));
    p.paragraphs(view.paragraphs);
    p.endScroll();
    ImGui::SetCursorPosY(p.bottomBarTop(bar));
    p.row(bar, kButtonHeight);
}

// Dims the whole screen under a dialog; the screen below cannot be tapped while it shows. Square, and half
// a pixel past each edge: ImGui's anti-aliased edge (and a rounded corner) would leave a bright rim.
void dimScreen(const char* id, float alpha) {
    const ImVec2 size = ImGui::GetIO().DisplaySize;
    ImGui::SetNextWindowPos({-0.5f, -0.5f});
    ImGui::SetNextWindowSize({size.x + 1, size.y + 1});
    ImGui::PushStyleColor(ImGuiCol_WindowBg, ImVec4{0.1f, 0.1f, 0.12f, alpha});
    ImGui::PushStyleVar(ImGuiStyleVar_WindowRounding, 0);
    ImGui::Begin(id, nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings);
    ImGui::End();
    ImGui::PopStyleVar();
    ImGui::PopStyleColor();
}

// A question over a dimmed screen.
void drawConfirm(Painter& p, const ConfirmView& confirm) {
    const ImGuiIO& io = ImGui::GetIO();
    dimScreen("##confirm-dim", 0.55f);
    p.out().focusableFrom = p.out().buttons.size();  // a dialog: the focus stays in it
    p.out().heading = confirm.question;
    const float w = std::min(io.DisplaySize.x - p.px(64), p.px(900));
    ImGui::SetNextWindowPos({(io.DisplaySize.x - w) / 2, io.DisplaySize.y * 0.3f});
    ImGui::SetNextWindowSize({w, 0});
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, {p.px(32), p.px(28)});
    ImGui::Begin("##confirm", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                                           ImGuiWindowFlags_AlwaysAutoResize);
    ImGui::SetWindowFocus();
    ImGui::PushTextWrapPos(w - p.px(32));
    ImGui::PushFont(p.fonts().bold);
    ImGui::TextUnformatted(confirm.question.c_str());
    ImGui::PopFont();
    ImGui::PopTextWrapPos();
    ImGui::Dummy({0, p.px(20)});
    p.row({confirm.yes, confirm.no}, kButtonHeight, p.px(32), w - p.px(64));
    p.out().focusableTo = p.out().buttons.size();
    ImGui::End();
    ImGui::PopStyleVar();
}

constexpr float kKeyGap = 6;  // between keys: at 1024x768 a wider gap leaves the keys under 48 px high

// The on-screen keyboard (keyboard.hpp) across `width` from `x` (window coordinates), rows centred; every
// key of one width unit is as wide as in the longest row. A reusable widget: a free-text question can use it.
void drawKeyboard(Painter& p, const KeyboardView& view, float x, float width, float keyHeight) {
    const float spacing = p.px(kKeyGap);
    // A key holds one character, centred: a small padding keeps narrow (portrait) and low (720 px) keys
    // large enough for it.
    ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, {p.px(kKeyGap), p.px(kKeyGap)});
    float unit = width;
    for (const auto& row : view.rows) {
        float spans = 0;
        for (const auto& key : row) spans += key.span;
        if (spans > 0) unit = std::min(unit, (width - spacing * static_cast<float>(row.size() - 1)) / spans);
    }
    for (const auto& row : view.rows) {
        float rowWidth = spacing * static_cast<float>(row.size() - 1);
        for (const auto& key : row) rowWidth += key.span * unit;
        const float y = ImGui::GetCursorPosY();
        float at = x + (width - rowWidth) / 2;
        for (const auto& key : row) {
            ImGui::SetCursorPos({at, y});
            p.button(key.button, {key.span * unit, keyHeight});
            at += key.span * unit + spacing;
        }
        ImGui::SetCursorPos({x, y + keyHeight + spacing});
    }
    ImGui::PopStyleVar();
}

void drawQuestion(Painter& p, const QuestionView& view) {
    ImGui::SetCursorPosY(p.px(28));
    p.wrapped(view.progressText, kMuted);
    p.gap(6);
    p.progressBar(view.progress, 10);
    p.gap(16);
    const std::vector<ButtonView> bar{view.back, view.startOver, view.next};
    const float top = ImGui::GetCursorPosY();
    // A free-text question: the keyboard stays above the bottom bar; the question and the text scroll above it.
    const bool typing = view.layout == QuestionView::Layout::Text;
    const float keyHeight = std::max(48.f, p.px(52));
    const float keyboardHeight = typing ? static_cast<float>(view.keyboard.rows.size()) * (keyHeight + p.px(kKeyGap)) + p.px(8) : 0;
    const float keyboardTop = p.bottomBarTop(bar) - p.px(16) - keyboardHeight;
    p.beginScroll("question", keyboardTop - top);
    p.title(view.title);
    p.wrapped(view.description, kMuted);
    if (!view.description.empty()) p.gap(16);
    p.paragraphs(view.paragraphs);
    switch (view.layout) {
        case QuestionView::Layout::Info: break;
        case QuestionView::Layout::Choices:
            for (const auto& option : view.options) {
                ImGui::SetCursorPosX(p.left());
                p.button(option, {p.width(), p.choiceHeight(option, p.width())}, true);
            }
            break;
        case QuestionView::Layout::Row:
            p.row(view.options, kButtonHeight + 12);
            if (!view.minLabel.empty() || !view.maxLabel.empty()) {
                ImGui::SetCursorPosX(p.left());
                ImGui::TextColored(kMuted, "%s", view.minLabel.c_str());
                const float w = ImGui::CalcTextSize(view.maxLabel.c_str()).x;
                ImGui::SameLine(p.left() + p.width() - w);
                ImGui::TextColored(kMuted, "%s", view.maxLabel.c_str());
            }
            break;
        case QuestionView::Layout::Text: {  // the privacy warning, the text in a box, and how much is left
            p.wrapped(view.textWarning, kWarning);
            p.gap(8);
            ImGui::SetCursorPosX(p.left());
            const ImVec2 start = ImGui::GetCursorScreenPos();
            const float inset = p.px(16);
            const std::string shown = view.text + "|";  // a cursor at the end: the keyboard types there
            const float height = std::max(p.px(kButtonHeight), ImGui::CalcTextSize(shown.c_str(), nullptr, false, p.width() - 2 * inset).y + 2 * inset);
            ImDrawList* draw = ImGui::GetWindowDrawList();
            draw->AddRectFilled(start, {start.x + p.width(), start.y + height}, ImGui::GetColorU32(kSurface), p.px(6));
            draw->AddRect(start, {start.x + p.width(), start.y + height}, ImGui::GetColorU32(kBorder), p.px(6), 0, p.px(2));
            draw->AddText(ImGui::GetFont(), ImGui::GetFontSize(), {start.x + inset, start.y + inset}, ImGui::GetColorU32(kText), shown.c_str(),
                          nullptr, p.width() - 2 * inset);
            p.out().texts.push_back(view.text);
            ImGui::Dummy({p.width(), height});
            const float countWidth = ImGui::CalcTextSize(view.textCount.c_str()).x;
            ImGui::SetCursorPosX(p.left() + p.width() - countWidth);
            p.text(view.textCount, kMuted);
            break;
        }
        case QuestionView::Layout::Number: {
            const float padWidth = std::min(p.width(), p.px(520));
            const float x = p.left();
            ImGui::SetCursorPosX(x);
            ImDrawList* draw = ImGui::GetWindowDrawList();
            const ImVec2 start = ImGui::GetCursorScreenPos();
            draw->AddRect(start, {start.x + padWidth, start.y + p.px(kButtonHeight)}, ImGui::GetColorU32(kBorder), p.px(6), 0, p.px(2));
            ImGui::SetCursorPosX(x + p.px(20));
            ImGui::SetCursorPosY(ImGui::GetCursorPosY() + p.px(18));
            ImGui::PushFont(p.fonts().title);
            ImGui::TextUnformatted(view.numberText.empty() ? " " : view.numberText.c_str());
            ImGui::PopFont();
            ImGui::SetCursorScreenPos({start.x, start.y + p.px(kButtonHeight + 12)});
            const float keyWidth = (padWidth - p.px(24)) / 3;
            for (std::size_t i = 0; i < view.keys.size(); ++i) {
                if (i % 3 == 0) ImGui::SetCursorPosX(x);
                else ImGui::SameLine(0, p.px(12));
                p.button(view.keys[i], {keyWidth, p.px(kButtonHeight - 6)});
            }
            break;
        }
    }
    p.gap(12);
    p.wrapped(view.hint, view.hintIsProblem ? kProblem : kMuted);
    p.endScroll();
    if (typing) {
        ImGui::SetCursorPosY(keyboardTop + p.px(8));
        drawKeyboard(p, view.keyboard, p.left(), p.width(), keyHeight);
    }
    ImGui::SetCursorPosY(p.bottomBarTop(bar));
    p.row(bar, kButtonHeight);

    if (view.confirm) drawConfirm(p, *view.confirm);
}

void drawMessage(Painter& p, const MessageView& view) {
    ImGui::SetCursorPosY(ImGui::GetIO().DisplaySize.y * 0.3f);
    p.title(view.title);
    p.wrapped(view.body, view.action ? kProblem : kText);
    if (view.busy) {
        p.gap(24);
        const float phase = static_cast<float>(std::fmod(ImGui::GetTime(), 1.2) / 1.2);
        p.progressBar(phase, 10);
        p.out().animating = true;
    }
    if (view.action) {
        p.gap(32);
        ImGui::SetCursorPosX(p.left());
        p.button(*view.action, {p.width(), p.px(kButtonHeight)});
    }
}

// One area of the profile: its name with the level at the right (or under it where the line is too narrow
// for both), the bar, the advice. areaHeight() is the height it takes.
bool levelBesides(const Painter& p, const ProfileView::Area& area) {
    ImGui::PushFont(p.fonts().bold);
    const float titleWidth = ImGui::CalcTextSize(area.title.c_str()).x;
    ImGui::PopFont();
    return titleWidth + ImGui::GetStyle().ItemSpacing.x + ImGui::CalcTextSize(area.level.c_str()).x <= p.width();
}

float areaHeight(const Painter& p, const ProfileView::Area& area) {
    const float spacing = ImGui::GetStyle().ItemSpacing.y;
    const auto lines = [&](const std::string& text) { return text.empty() ? 0 : ImGui::CalcTextSize(text.c_str(), nullptr, false, p.width()).y + spacing; };
    ImGui::PushFont(p.fonts().bold);
    float height = lines(area.title);
    ImGui::PopFont();
    if (!levelBesides(p, area)) height += lines(area.level);
    return height + p.px(22) + p.px(4) + lines(area.advice) + p.px(22) + 3 * spacing;
}

void drawArea(Painter& p, const ProfileView::Area& area) {
    const bool besides = levelBesides(p, area);
    ImGui::PushFont(p.fonts().bold);
    p.wrapped(area.title);
    ImGui::PopFont();
    if (besides) {
        ImGui::SameLine(p.left() + p.width() - ImGui::CalcTextSize(area.level.c_str()).x);
        p.text(area.level, area.answered ? kText : kMuted);
    } else {
        p.wrapped(area.level, area.answered ? kText : kMuted);
    }
    p.progressBar(area.fraction, 22);
    p.gap(4);
    p.wrapped(area.advice, kMuted);
    p.gap(22);
}

// The profile fits the screen: every area and its advice on one screen where they fit, else a page at a
// time with the page buttons and "Page 1 of 2" above Done. (An area taller than a whole page, which no
// supported display has, still scrolls.)
void drawProfile(Painter& p, const ProfileView& view) {
    ImGui::SetCursorPosY(p.px(40));
    p.title(view.title);
    const float top = ImGui::GetCursorPosY();
    const float noteHeight = view.note.empty() ? 0
        : ImGui::CalcTextSize(view.note.c_str(), nullptr, false, p.width()).y + 2 * ImGui::GetStyle().ItemSpacing.y + p.px(16);
    const float barTop = p.bottomBarTop({view.done});
    // The pager: "Page 1 of 3" between the two page buttons, or above them where that leaves them too narrow.
    const std::string widestPageOf = view.pageOf ? view.pageOf(view.areas.size(), view.areas.size()) : "";
    const float labelWidth = ImGui::CalcTextSize(widestPageOf.c_str()).x + p.px(32);
    const float padding = 2 * ImGui::GetStyle().FramePadding.x;
    const float buttonText = std::max(ImGui::CalcTextSize(view.previousPage.label.c_str()).x, ImGui::CalcTextSize(view.nextPage.label.c_str()).x);
    const bool labelBetween = buttonText + padding <= (p.width() - labelWidth) / 2;
    const float labelLine = labelBetween ? 0 : ImGui::GetTextLineHeightWithSpacing() + p.px(8);
    const float pagerHeight = labelLine + p.px(kButtonHeight + 16);
    float room = barTop - top - p.px(16);
    float total = noteHeight;
    for (const auto& area : view.areas) total += areaHeight(p, area);
    // Pages where it all does not fit. The note (the profile is not stored) goes on the first page, or at
    // the end of the last where the first has no room for it (on a page of its own where neither has).
    std::vector<std::size_t> starts{0};  // the first area of each page
    std::vector<float> used{0};         // the height of each page's areas
    if (total > room) {
        room -= pagerHeight;
        for (std::size_t i = 0; i < view.areas.size(); ++i) {
            const float height = areaHeight(p, view.areas[i]);
            if (used.back() > 0 && used.back() + height > room) {
                starts.push_back(i);
                used.push_back(0);
            }
            used.back() += height;
        }
    }
    std::size_t notePage = 0;
    if (used.front() + noteHeight > room) {
        if (used.back() + noteHeight > room) {  // on no page with areas: a last page of its own
            starts.push_back(view.areas.size());
            used.push_back(0);
        }
        notePage = starts.size() - 1;
    }
    const std::size_t pages = starts.size();
    const std::size_t page = std::min(view.page, pages - 1);
    const std::size_t end = page + 1 < pages ? starts[page + 1] : view.areas.size();
    if (page == notePage && notePage == 0) {
        p.wrapped(view.note, kMuted);
        p.gap(16);
    }
    p.beginScroll("profile", barTop - (pages > 1 ? pagerHeight : 0) - ImGui::GetCursorPosY() - p.px(16));
    for (std::size_t i = starts[page]; i < end; ++i) drawArea(p, view.areas[i]);
    if (page == notePage && notePage > 0) p.wrapped(view.note, kMuted);
    p.endScroll();
    if (pages > 1) {
        const std::string pageOf = view.pageOf ? view.pageOf(page, pages) : "";
        const float pageOfWidth = ImGui::CalcTextSize(pageOf.c_str()).x;
        const float each = labelBetween ? (p.width() - labelWidth) / 2 : (p.width() - p.px(16)) / 2;
        const float y = barTop - pagerHeight + labelLine;
        ButtonView previous = view.previousPage, next = view.nextPage;
        previous.enabled = page > 0;
        previous.intent.value = page > 0 ? page - 1 : 0;
        next.enabled = page + 1 < pages;
        next.intent.value = page + 1;
        ImGui::SetCursorPos({p.left(), y});
        p.button(previous, {each, p.px(kButtonHeight)});
        if (labelBetween) ImGui::SetCursorPos({p.left() + (p.width() - pageOfWidth) / 2, y + (p.px(kButtonHeight) - ImGui::GetTextLineHeight()) / 2});
        else ImGui::SetCursorPos({p.left() + (p.width() - pageOfWidth) / 2, barTop - pagerHeight});
        p.text(pageOf, kMuted);
        ImGui::SetCursorPos({p.left() + p.width() - each, y});
        p.button(next, {each, p.px(kButtonHeight)});
    }
    ImGui::SetCursorPosY(barTop);
    ImGui::SetCursorPosX(p.left());
    p.button(view.done, {p.width(), p.px(kButtonHeight)});
}

void drawPinPad(Painter& p, const PinPadView& view) {
    ImGui::SetCursorPosY(p.px(48));
    p.title(view.title);
    p.wrapped(view.hint, kMuted);
    p.gap(12);
    const float padWidth = std::min(p.width(), p.px(480));
    const float x = p.left() + (p.width() - padWidth) / 2;
    ImGui::SetCursorPosX(x);
    ImGui::PushFont(p.fonts().title);
    ImGui::TextUnformatted(view.masked.empty() ? " " : view.masked.c_str());
    ImGui::PopFont();
    p.gap(8);
    const float keyWidth = (padWidth - p.px(24)) / 3;
    for (std::size_t i = 0; i < view.keys.size(); ++i) {
        if (i % 3 == 0) ImGui::SetCursorPosX(x + (i == 9 ? keyWidth + p.px(12) : 0));
        else ImGui::SameLine(0, p.px(12));
        p.button(view.keys[i], {keyWidth, p.px(kButtonHeight - 8)});
    }
    p.gap(8);
    p.wrapped(view.message, kProblem);
    const std::vector<ButtonView> bar{view.cancel, view.ok};
    ImGui::SetCursorPosY(p.bottomBarTop(bar));
    p.row(bar, kButtonHeight);
}

void drawAdmin(Painter& p, const AdminView& view) {
    ImGui::SetCursorPosY(p.px(48));
    p.title(view.title);
    // The actions stay at the bottom, two to a row where their labels fit (else one); the status above
    // them scrolls when it is long. Each value is right of its label, or under it on a narrow screen.
    const std::size_t perRow = p.fitsAcross(view.actions, 2, p.width()) ? 2 : 1;
    const float pitch = p.px(kButtonHeight + 16);
    const auto rows = static_cast<float>((view.actions.size() + perRow - 1) / perRow);
    const float actionsTop = ImGui::GetIO().DisplaySize.y - p.px(40) - rows * pitch + p.px(16);
    const float valueX = p.width() * 0.36f;
    ImGui::PushFont(p.fonts().bold);
    const bool besides = std::all_of(view.rows.begin(), view.rows.end(), [&](const auto& row) {
        return ImGui::CalcTextSize(row.first.c_str()).x + ImGui::GetStyle().ItemSpacing.x <= valueX;
    });
    ImGui::PopFont();
    const float top = ImGui::GetCursorPosY();
    p.beginScroll("admin", actionsTop - top - p.px(16));
    for (const auto& [label, value] : view.rows) {
        ImGui::SetCursorPosX(p.left());
        ImGui::PushFont(p.fonts().bold);
        ImGui::TextUnformatted(label.c_str());
        ImGui::PopFont();
        if (besides) {
            ImGui::SameLine(p.left() + valueX);
            ImGui::PushTextWrapPos(p.left() + p.width());
            ImGui::TextUnformatted(value.c_str());
            ImGui::PopTextWrapPos();
        } else {
            p.wrapped(value);
        }
        p.gap(6);
    }
    p.gap(8);
    p.wrapped(view.notice, kMuted);
    p.endScroll();
    for (std::size_t i = 0; i < view.actions.size(); i += perRow) {
        ImGui::SetCursorPosY(actionsTop + static_cast<float>(i / perRow) * pitch);
        const auto first = view.actions.begin() + static_cast<std::ptrdiff_t>(i);
        p.row({first, first + static_cast<std::ptrdiff_t>(std::min(perRow, view.actions.size() - i))}, kButtonHeight);
    }
    if (view.confirm) drawConfirm(p, *view.confirm);
}

// The admin's Check: the lines scroll above the bar; each is its mark and name, what was found, and what to do.
void drawChecks(Painter& p, const ChecksView& view) {
    using Level = shared::Check::Level;
    ImGui::SetCursorPosY(p.px(48));
    p.title(view.title);
    p.wrapped(view.intro, kMuted);
    p.gap(12);
    const std::vector<ButtonView> bar{view.back, view.again};
    const float top = ImGui::GetCursorPosY();
    p.beginScroll("checks", p.bottomBarTop(bar) - top - p.px(16));
    if (view.running) {
        p.wrapped(view.running->title);
        p.gap(12);
        const float phase = static_cast<float>(std::fmod(ImGui::GetTime(), 1.2) / 1.2);
        p.progressBar(phase, 10);
        p.out().animating = true;
    }
    for (const auto& line : view.lines) {
        const ImVec4& colour = line.level == Level::Ok ? kFine : line.level == Level::Warning ? kWarning : kProblem;
        ImGui::SetCursorPosX(p.left());
        ImGui::PushFont(p.fonts().bold);
        ImGui::TextColored(colour, "%s", line.mark.c_str());
        ImGui::SameLine();
        ImGui::TextUnformatted(line.name.c_str());
        ImGui::PopFont();
        p.wrapped(line.detail);
        if (!line.action.empty()) p.wrapped("→ " + line.action, colour);
        p.gap(10);
    }
    p.wrapped(view.summary, kMuted);
    p.endScroll();
    ImGui::SetCursorPosY(p.bottomBarTop(bar));
    p.row(bar, kButtonHeight);
}

void drawSetup(Painter& p, const SetupView& view) {
    const ImGuiIO& io = ImGui::GetIO();
    ImGui::SetCursorPosY(p.px(24));
    const float localesWidth = p.px(360);
    const float titleTop = ImGui::GetCursorPosY();
    ImGui::PushFont(p.fonts().title);
    ImGui::SetCursorPosX(p.left());
    ImGui::TextUnformatted(view.title.c_str());
    // The language buttons right of the title, or under it when the title needs the room (portrait).
    const bool localesBesides = ImGui::CalcTextSize(view.title.c_str()).x + p.px(16) <= p.width() - localesWidth;
    ImGui::PopFont();
    const float afterTitle = ImGui::GetCursorPosY();
    const float localesTop = localesBesides ? titleTop : afterTitle + p.px(8);
    const float localeEach = (localesWidth - p.px(12)) / static_cast<float>(std::max<std::size_t>(view.locales.size(), 1));
    for (std::size_t i = 0; i < view.locales.size(); ++i) {
        ImGui::SetCursorPos({p.left() + p.width() - localesWidth + static_cast<float>(i) * (localeEach + p.px(12)), localesTop});
        p.button(view.locales[i], {localeEach, p.px(52)});
    }
    ImGui::SetCursorPosY(std::max(afterTitle, localesTop + p.px(60)));
    if (view.message) {
        drawMessage(p, *view.message);
        if (view.messageCancel) {
            p.gap(16);
            ImGui::SetCursorPosX(p.left());
            p.button(*view.messageCancel, {p.width(), p.px(kButtonHeight)});
        }
        return;
    }
    // The address across the column; the code and the two PINs in a row below it when their labels fit
    // (landscape), else one under the other (portrait).
    const float fieldHeight = p.px(52);
    const float spacing = p.px(16);
    const auto rest = static_cast<float>(view.fields.empty() ? 0 : view.fields.size() - 1);
    const float fieldWidth = rest > 0 ? (p.width() - spacing * (rest - 1)) / rest : p.width();
    const bool besides = view.fields.size() < 2 || std::all_of(view.fields.begin() + 1, view.fields.end(), [&](const FieldView& f) {
        return ImGui::CalcTextSize(f.label.c_str()).x <= fieldWidth;
    });
    // The intro only where the keys still get 48 px and more (not on a 1280x720 display): the field labels
    // and the hint in the bottom bar say what to type as well.
    const float barTop = io.DisplaySize.y - p.px(kButtonHeight + 24);
    const float fieldRows = view.fields.empty() ? 0 : besides ? std::min<float>(2, static_cast<float>(view.fields.size())) : static_cast<float>(view.fields.size());
    const float spacingY = ImGui::GetStyle().ItemSpacing.y;
    const float fieldsHeight = fieldRows * (ImGui::GetTextLineHeightWithSpacing() + fieldHeight + spacingY + p.px(4)) + p.px(12);
    const float keysHeight = 5 * (std::max(48.f, p.px(48)) + p.px(kKeyGap)) + p.px(16);
    const float introHeight = ImGui::CalcTextSize(view.intro.c_str(), nullptr, false, p.width()).y + 2 * spacingY + p.px(8);
    if (ImGui::GetCursorPosY() + introHeight + fieldsHeight + keysHeight <= barTop) {
        p.wrapped(view.intro, kMuted);
        p.gap(8);
    }
    const auto field = [&](const FieldView& f, float x, float width) {
        const float y = ImGui::GetCursorPosY();
        ImGui::SetCursorPos({x, y});
        ImGui::PushStyleColor(ImGuiCol_Text, kMuted);
        ImGui::TextUnformatted(f.label.c_str());
        ImGui::PopStyleColor();
        ImGui::SetCursorPosX(x);
        p.button(f.focus, {width, fieldHeight});
        return ImGui::GetCursorPosY();
    };
    float bottom = ImGui::GetCursorPosY();
    if (!view.fields.empty()) bottom = field(view.fields[0], p.left(), p.width());
    for (std::size_t i = 1; i < view.fields.size(); ++i) {
        ImGui::SetCursorPosY(bottom + p.px(4));
        const float x = besides ? p.left() + static_cast<float>(i - 1) * (fieldWidth + spacing) : p.left();
        const float y = field(view.fields[i], x, besides ? fieldWidth : p.width());
        if (!besides || i + 1 == view.fields.size()) bottom = y;
    }
    ImGui::SetCursorPosY(bottom + p.px(12));
    const float keyHeight = std::min(p.px(64), (barTop - ImGui::GetCursorPosY() - p.px(16)) / 5 - p.px(kKeyGap));
    drawKeyboard(p, view.keyboard, p.left(), p.width(), keyHeight);

    // The bottom bar: what is missing on the left, Cancel and Enrol on the right.
    const float buttonsWidth = p.width() * (view.cancel ? 0.5f : 0.32f);
    ImGui::SetCursorPos({p.left(), barTop + p.px(8)});
    ImGui::PushTextWrapPos(p.left() + p.width() - buttonsWidth - p.px(16));
    ImGui::PushStyleColor(ImGuiCol_Text, view.enrol.enabled ? kMuted : kProblem);
    ImGui::TextUnformatted(view.hint.c_str());
    ImGui::PopStyleColor();
    ImGui::PopTextWrapPos();
    float x = p.left() + p.width() - buttonsWidth;
    const float each = view.cancel ? (buttonsWidth - p.px(16)) / 2 : buttonsWidth;
    if (view.cancel) {
        ImGui::SetCursorPos({x, barTop});
        p.button(*view.cancel, {each, p.px(kButtonHeight)});
        x += each + p.px(16);
    }
    ImGui::SetCursorPos({x, barTop});
    p.button(view.enrol, {each, p.px(kButtonHeight)});
}

void drawNotReady(Painter& p, const NotReadyView& view) {
    ImGui::SetCursorPosY(ImGui::GetIO().DisplaySize.y * 0.2f);
    for (const auto& block : view.blocks) {
        p.title(block.title);
        p.wrapped(block.body, kMuted);
        p.gap(40);
    }
    p.wrapped(view.detail, kMuted);
}

void drawIdleWarning(Painter& p, const IdleWarningView& view) {
    const ImGuiIO& io = ImGui::GetIO();
    dimScreen("##idle-dim", 0.6f);
    p.out().focusableFrom = p.out().buttons.size();  // a dialog: the focus stays in it
    p.out().heading = view.title;
    const float w = std::min(io.DisplaySize.x - p.px(64), p.px(900));
    ImGui::SetNextWindowPos({(io.DisplaySize.x - w) / 2, io.DisplaySize.y * 0.25f});
    ImGui::SetNextWindowSize({w, 0});
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, {p.px(32), p.px(28)});
    ImGui::Begin("##idle", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                                        ImGuiWindowFlags_AlwaysAutoResize);
    ImGui::SetWindowFocus();
    ImGui::PushFont(p.fonts().title);
    ImGui::TextUnformatted(view.title.c_str());
    ImGui::PopFont();
    ImGui::Dummy({0, p.px(12)});
    ImGui::PushTextWrapPos(w - p.px(32));
    ImGui::TextUnformatted(view.body.c_str());
    ImGui::PopTextWrapPos();
    ImGui::Dummy({0, p.px(24)});
    p.button(view.stay, {w - p.px(64), p.px(kButtonHeight + 12)});
    ImGui::End();
    ImGui::PopStyleVar();
}

// Latin-1, Latin Extended-A, punctuation (dashes, quotes, bullet, ellipsis), arrows, ⇧, ⌫, ■, ▶, ●, ✓ to ✗.
const ImWchar kGlyphRanges[] = {0x0020, 0x00FF, 0x0100, 0x017F, 0x2010, 0x2027, 0x2190, 0x2193, 0x21E7, 0x21E7,
                                0x232B, 0x232B, 0x25A0, 0x25A0, 0x25B6, 0x25B6, 0x25CF, 0x25CF, 0x2713, 0x2717, 0};

}  // namespace

const std::vector<ColourPair>& textColourPairs() {
    const auto pair = [](const char* name, const ImVec4& text, const ImVec4& background) {
        return ColourPair{name, {text.x, text.y, text.z}, {background.x, background.y, background.z}};
    };
    static const std::vector<ColourPair> pairs = {
        pair("body text", kText, kBackground),          pair("muted text", kMuted, kBackground),
        pair("problem text", kProblem, kBackground),    pair("warning text", kWarning, kBackground),
        pair("fine text", kFine, kBackground),    pair("primary button", kSurface, kPrimary),
        pair("primary button hovered", kSurface, kPrimaryHover), pair("choice button", kText, kSurface),
        pair("choice hovered", kText, kSurfaceHover),   pair("disabled button", kDisabledText, kDisabledBg),
    };
    return pairs;
}

const std::vector<unsigned>& uiCodepoints() {
    static const std::vector<unsigned> codepoints = {0xE6, 0xF8, 0xE5, 0xC6, 0xD8, 0xC5, 0x2190, 0x2192, 0x2193,
                                                     0x2713, 0x2717, 0x232B, 0x25CF, 0x2022, 0x2026, 0x2013, 0x21E7,
                                                     0x201C, 0x201D, 0x25A0, 0x25B6};
    return codepoints;
}

float uiScale(float width, float height, float density) {
    return std::max(std::min(width, height) / kReferenceSide, kMinBodyPx / kBodyPx * std::max(1.f, density));
}

shared::Result<UiFonts> setUpImGui(const FontFiles& files, float scale) {
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;  // nothing about the session is written to disk
    io.LogFilename = nullptr;
    io.Fonts->Clear();
    ImFontConfig config;
    config.OversampleH = 2;
    config.OversampleV = 1;
    UiFonts fonts;
    fonts.scale = scale;
    fonts.body = io.Fonts->AddFontFromFileTTF(files.regular.c_str(), kBodyPx * scale, &config, kGlyphRanges);
    fonts.bold = io.Fonts->AddFontFromFileTTF(files.bold.c_str(), kBodyPx * scale, &config, kGlyphRanges);
    fonts.title = io.Fonts->AddFontFromFileTTF(files.bold.c_str(), kTitlePx * scale, &config, kGlyphRanges);
    if (!fonts.body || !fonts.bold || !fonts.title) {
        return shared::Error{"cannot load the font " + files.regular.string() + "; reinstall the Debian package fonts-dejavu-core"};
    }
    io.FontDefault = fonts.body;

    ImGuiStyle& style = ImGui::GetStyle();
    style = ImGuiStyle();
    style.WindowPadding = {0, 0};
    style.WindowBorderSize = 0;
    style.ChildBorderSize = 0;
    style.FramePadding = {20 * scale, 14 * scale};
    style.ItemSpacing = {16 * scale, 9 * scale};
    style.FrameRounding = 10 * scale;
    style.WindowRounding = 14 * scale;
    style.FrameBorderSize = 2 * scale;
    style.DisabledAlpha = 1.f;  // disabled buttons get their own high-contrast colours instead of fading
    style.ScrollbarSize = 0;
    style.TouchExtraPadding = {4 * scale, 4 * scale};
    ImVec4* colours = style.Colors;
    colours[ImGuiCol_WindowBg] = kBackground;
    colours[ImGuiCol_ChildBg] = ImVec4{0, 0, 0, 0};
    colours[ImGuiCol_PopupBg] = kSurface;
    colours[ImGuiCol_Text] = kText;
    colours[ImGuiCol_TextDisabled] = kDisabledText;
    colours[ImGuiCol_Border] = kBorder;
    colours[ImGuiCol_Button] = kSurface;
    colours[ImGuiCol_ButtonHovered] = kSurfaceHover;
    colours[ImGuiCol_ButtonActive] = kSurfaceHover;
    colours[ImGuiCol_NavHighlight] = kPrimary;
    return fonts;
}

FrameOutput drawScreen(const ScreenView& view, const UiFonts& fonts, FocusState focus) {
    Painter p(fonts, focus);
    p.begin("##screen");
    if (view.readAloud) p.reserveCorner(*view.readAloud);
    std::visit(
        [&](const auto& content) {
            using T = std::decay_t<decltype(content)>;
            if constexpr (std::is_same_v<T, WelcomeView>) drawWelcome(p, content);
            else if constexpr (std::is_same_v<T, ConsentView>) drawConsent(p, content);
            else if constexpr (std::is_same_v<T, QuestionView>) drawQuestion(p, content);
            else if constexpr (std::is_same_v<T, MessageView>) drawMessage(p, content);
            else if constexpr (std::is_same_v<T, ProfileView>) drawProfile(p, content);
            else if constexpr (std::is_same_v<T, PinPadView>) drawPinPad(p, content);
            else if constexpr (std::is_same_v<T, AdminView>) drawAdmin(p, content);
            else if constexpr (std::is_same_v<T, SetupView>) drawSetup(p, content);
            else if constexpr (std::is_same_v<T, NotReadyView>) drawNotReady(p, content);
            else if constexpr (std::is_same_v<T, ChecksView>) drawChecks(p, content);
        },
        view.content);
    if (view.readAloud) p.cornerButton(*view.readAloud);
    p.end();
    if (view.idleWarning) drawIdleWarning(p, *view.idleWarning);
    return p.take();
}

FrameOutput drawFatalError(const std::string& title, const std::string& message, const UiFonts& fonts) {
    Painter p(fonts);
    p.begin("##fatal");
    ImGui::SetCursorPosY(ImGui::GetIO().DisplaySize.y * 0.2f);
    p.title(title);
    p.wrapped(message, kProblem);
    p.gap(40);
    ImGui::SetCursorPosX(p.left());
    ButtonView quit;
    quit.label = "Quit / Afslut";
    quit.intent = Intent::of(K::AdminQuit);
    quit.primary = true;
    p.button(quit, {p.width(), p.px(kButtonHeight)});
    p.end();
    return p.take();
}

}  // namespace svarboks::client
