#include "svarboks/server/svg.hpp"

#include "svarboks/server/html.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <functional>

namespace svarboks::server::svg {

namespace {

// Bar colours: each has at least 4.5:1 against the white background (3:1 is the minimum for graphics)
// and against white text inside it, so labels in stacked segments stay readable.
constexpr std::array<std::string_view, 4> kSeriesColours = {"#1f5f99", "#b35900", "#2e7d32", "#6a3d9a"};
constexpr std::array<std::string_view, 6> kLevelColours = {"#b91c1c", "#a16207", "#0e7490", "#1e3a8a", "#5b21b6", "#4d7c0f"};
constexpr std::string_view kInk = "#1a1a1a";
constexpr std::string_view kMuted = "#595959";  // 7:1 on white
constexpr std::string_view kGrid = "#c8c8c8";   // decorative only

constexpr double kWidth = 760;
constexpr double kLeft = 8;
constexpr double kValueSpace = 130;
constexpr double kPlotWidth = kWidth - kLeft - kValueSpace;
constexpr double kBarHeight = 18;
constexpr double kBarGap = 4;
constexpr double kNameHeight = 22;
constexpr double kCategoryGap = 12;
constexpr double kLegendHeight = 30;
constexpr double kTickHeight = 24;
constexpr double kHiddenSlot = 40;
constexpr double kMinSegmentForLabel = 44;

std::string num(double value) {
    std::array<char, 32> buffer{};
    const double rounded = std::round(value * 10.0) / 10.0;
    const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), rounded, std::chars_format::fixed, 1);
    if (ec != std::errc()) return "0";
    std::string text(buffer.data(), end);
    if (text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0) text.resize(text.size() - 2);
    if (text == "-0") text = "0";
    return text;
}

std::string_view seriesColour(std::size_t index) { return kSeriesColours[index % kSeriesColours.size()]; }
std::string_view levelColour(std::size_t index) { return kLevelColours[index % kLevelColours.size()]; }

void legend(SvgWriter& svg, const std::vector<std::string>& names, const std::function<std::string_view(std::size_t)>& colour, double y) {
    double x = kLeft;
    for (std::size_t i = 0; i < names.size(); ++i) {
        svg.rect(x, y + 4, 14, 14, "legend-swatch", colour(i));
        svg.text(x + 20, y + 16, names[i], "legend");
        // Rough width of the name at the legend's 13 px: enough room for Danish names, never overlapping.
        x += 20 + 7.6 * static_cast<double>(names[i].size()) + 22;
        if (x > kWidth - 120 && i + 1 < names.size()) {
            x = kLeft;
            y += 20;
        }
    }
}

double legendRows(const std::vector<std::string>& names) {
    double x = kLeft;
    double rows = 1;
    for (std::size_t i = 0; i < names.size(); ++i) {
        x += 20 + 7.6 * static_cast<double>(names[i].size()) + 22;
        if (x > kWidth - 120 && i + 1 < names.size()) {
            x = kLeft;
            rows += 1;
        }
    }
    return rows;
}

void hiddenSlot(SvgWriter& svg, double y, double height, std::string_view label) {
    svg.rect(kLeft, y, kHiddenSlot, height, "hidden-slot", svg.hatch());
    svg.text(kLeft + kHiddenSlot + 8, y + height - 4, label, "value hidden-label");
}

}  // namespace

SvgWriter::SvgWriter(double width, double height, std::string idPrefix, std::string_view cssClass) : m_prefix(std::move(idPrefix)) {
    m_head = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"" + escapeHtml(cssClass) + "\" viewBox=\"0 0 " + num(width) + " " +
             num(height) + "\" width=\"" + num(width) + "\" height=\"" + num(height) + "\" role=\"img\"";
}

void SvgWriter::title(std::string_view text) { m_title = std::string(text); }
void SvgWriter::desc(std::string_view text) { m_desc = std::string(text); }

std::string SvgWriter::hatch() {
    const std::string id = m_prefix + "-hatch";
    if (!m_hatch) {
        m_hatch = true;
        m_defs += "<pattern id=\"" + escapeHtml(id) +
                  "\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
                  "<rect width=\"8\" height=\"8\" fill=\"#ffffff\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"" +
                  std::string(kMuted) + "\" stroke-width=\"3\"/></pattern>";
    }
    return "url(#" + id + ")";
}

void SvgWriter::rect(double x, double y, double width, double height, std::string_view cssClass, std::string_view fill) {
    m_body += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(std::max(0.0, width)) + "\" height=\"" +
              num(std::max(0.0, height)) + "\"";
    if (!cssClass.empty()) m_body += " class=\"" + escapeHtml(cssClass) + "\"";
    if (!fill.empty()) m_body += " fill=\"" + escapeHtml(fill) + "\"";
    if (cssClass.find("hidden-slot") != std::string_view::npos) m_body += " stroke=\"" + std::string(kMuted) + "\"";
    m_body += "/>";
}

void SvgWriter::line(double x1, double y1, double x2, double y2, std::string_view cssClass) {
    m_body += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) + "\" class=\"" +
              escapeHtml(cssClass) + "\" stroke=\"" + std::string(kGrid) + "\"/>";
}

void SvgWriter::text(double x, double y, std::string_view content, std::string_view cssClass, std::string_view anchor) {
    const bool inverse = cssClass.find("inverse") != std::string_view::npos;
    const bool muted = cssClass.find("tick") != std::string_view::npos;
    m_body += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" class=\"" + escapeHtml(cssClass) + "\" fill=\"" +
              std::string(inverse ? "#ffffff" : muted ? kMuted : kInk) + "\"";
    if (anchor != "start") m_body += " text-anchor=\"" + escapeHtml(anchor) + "\"";
    m_body += ">" + escapeHtml(content) + "</text>";
}

std::string SvgWriter::finish() {
    const std::string titleId = m_prefix + "-title";
    const std::string descId = m_prefix + "-desc";
    std::string out = m_head + " aria-labelledby=\"" + escapeHtml(titleId) + "\" aria-describedby=\"" + escapeHtml(descId) + "\">";
    out += "<title id=\"" + escapeHtml(titleId) + "\">" + escapeHtml(m_title) + "</title>";
    out += "<desc id=\"" + escapeHtml(descId) + "\">" + escapeHtml(m_desc) + "</desc>";
    if (!m_defs.empty()) out += "<defs>" + m_defs + "</defs>";
    out += m_body + "</svg>";
    return out;
}

std::string barChart(const BarChart& chart) {
    const std::size_t seriesCount = std::max<std::size_t>(1, chart.series.size());
    const double legendHeight = chart.series.size() > 1 ? kLegendHeight + 20 * (legendRows(chart.series) - 1) : 0;
    const double categoryHeight = kNameHeight + static_cast<double>(seriesCount) * (kBarHeight + kBarGap) + kCategoryGap;
    const double plotTop = legendHeight + 4;
    const double plotBottom = plotTop + categoryHeight * static_cast<double>(chart.categories.size());
    const double height = plotBottom + (chart.ticks.empty() ? 0 : kTickHeight);

    SvgWriter svg(kWidth, height, chart.idPrefix);
    svg.title(chart.title);
    std::string desc = chart.description;
    for (const auto& category : chart.categories) {
        desc += (desc.empty() ? "" : " ") + category.name + ":";
        for (std::size_t s = 0; s < category.values.size(); ++s) {
            desc += (s == 0 ? " " : ", ");
            if (chart.series.size() > 1 && s < chart.series.size()) desc += chart.series[s] + " ";
            desc += category.values[s].label;
        }
        desc += ".";
    }
    svg.desc(desc);

    if (chart.series.size() > 1) legend(svg, chart.series, seriesColour, 0);
    if (!chart.ticks.empty()) {
        const double steps = static_cast<double>(std::max<std::size_t>(1, chart.ticks.size() - 1));
        for (std::size_t t = 0; t < chart.ticks.size(); ++t) {
            const double x = kLeft + kPlotWidth * static_cast<double>(t) / steps;
            svg.line(x, plotTop, x, plotBottom, "grid");
            svg.text(x, plotBottom + 16, chart.ticks[t], "tick", t == 0 ? "start" : t + 1 == chart.ticks.size() ? "end" : "middle");
        }
    }
    double y = plotTop;
    for (const auto& category : chart.categories) {
        svg.text(kLeft, y + 15, category.name, "category");
        double barY = y + kNameHeight;
        for (std::size_t s = 0; s < category.values.size(); ++s) {
            const BarValue& value = category.values[s];
            if (!value.share) {
                hiddenSlot(svg, barY, kBarHeight, value.label);
            } else {
                const double share = std::clamp(*value.share, 0.0, 1.0);
                const double width = std::max(2.0, share * kPlotWidth);
                svg.rect(kLeft, barY, width, kBarHeight, "bar", seriesColour(s));
                svg.text(kLeft + width + 6, barY + kBarHeight - 4, value.label, "value");
            }
            barY += kBarHeight + kBarGap;
        }
        y += categoryHeight;
    }
    return svg.finish();
}

std::string stackedChart(const StackedChart& chart) {
    const double legendHeight = chart.legend.empty() ? 0 : kLegendHeight + 20 * (legendRows(chart.legend) - 1);
    const double rowHeight = kNameHeight + kBarHeight + 6 + kCategoryGap;
    const double height = legendHeight + 4 + rowHeight * static_cast<double>(chart.rows.size());
    const double barWidth = kWidth - 2 * kLeft;

    SvgWriter svg(kWidth, height, chart.idPrefix);
    svg.title(chart.title);
    std::string desc = chart.description;
    for (const auto& row : chart.rows) {
        desc += (desc.empty() ? "" : " ") + row.name + ":";
        if (!row.segments) {
            desc += " " + row.hiddenLabel;
        } else {
            for (std::size_t i = 0; i < row.segments->size(); ++i) {
                desc += (i == 0 ? " " : ", ") + (i < chart.legend.size() ? chart.legend[i] + " " : std::string()) + (*row.segments)[i].label;
            }
        }
        desc += ".";
    }
    svg.desc(desc);
    if (!chart.legend.empty()) legend(svg, chart.legend, levelColour, 0);

    double y = legendHeight + 4;
    for (const auto& row : chart.rows) {
        svg.text(kLeft, y + 15, row.name, "category");
        const double barY = y + kNameHeight;
        if (!row.segments) {
            hiddenSlot(svg, barY, kBarHeight + 6, row.hiddenLabel);
        } else {
            double x = kLeft;
            for (std::size_t i = 0; i < row.segments->size(); ++i) {
                const StackedSegment& segment = (*row.segments)[i];
                const double width = std::clamp(segment.share, 0.0, 1.0) * barWidth;
                if (width <= 0) continue;
                // A white gap between segments, so neighbouring colours never have to tell themselves apart.
                svg.rect(x, barY, std::max(0.0, width - 2), kBarHeight + 6, "segment", levelColour(i));
                if (width >= kMinSegmentForLabel) svg.text(x + width / 2 - 1, barY + kBarHeight, segment.label, "value inverse", "middle");
                x += width;
            }
        }
        y += rowHeight;
    }
    return svg.finish();
}

std::string miniBar(double share) {
    const double width = std::clamp(share, 0.0, 1.0) * 100.0;
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"minibar\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" "
           "aria-hidden=\"true\" focusable=\"false\"><rect width=\"100\" height=\"10\" fill=\"#e8ecf1\"/><rect width=\"" +
           num(width) + "\" height=\"10\" fill=\"" + std::string(kSeriesColours[0]) + "\"/></svg>";
}

}  // namespace svarboks::server::svg
