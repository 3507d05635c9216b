#pragma once
// Server-rendered charts for the dashboard: inline SVG with no script, no external font and no inline
// style (the page's Content-Security-Policy allows neither), coloured by classes of dashboard.css.
//
// Accessibility: every chart is role="img" with a <title> and a <desc> that give every figure as text
// (the page also prints the same figures in a table). A hidden figure is drawn as an empty hatched slot
// labelled with its wording ("fewer than 5"): the chart models carry no number for it, so none can leak
// into the SVG. Pure functions; thread-safe.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace svarboks::server::svg {

/// Builds one <svg> element as text; every attribute value and text is escaped.
class SvgWriter {
public:
    /// `idPrefix` makes the ids of this chart (title, desc, patterns) unique within the page.
    SvgWriter(double width, double height, std::string idPrefix, std::string_view cssClass = "chart");

    /// The accessible name and description; call once each, before drawing.
    void title(std::string_view text);
    void desc(std::string_view text);
    /// Defines the hatch pattern for hidden slots (once) and returns its url(#...) reference.
    [[nodiscard]] std::string hatch();

    void rect(double x, double y, double width, double height, std::string_view cssClass, std::string_view fill = "");
    void line(double x1, double y1, double x2, double y2, std::string_view cssClass);
    /// `anchor`: "start", "middle" or "end".
    void text(double x, double y, std::string_view content, std::string_view cssClass, std::string_view anchor = "start");

    /// The finished element.
    [[nodiscard]] std::string finish();

private:
    std::string m_head;
    std::string m_defs;
    std::string m_body;
    std::string m_prefix;
    std::string m_title;
    std::string m_desc;
    bool m_hatch = false;
};

/// One bar: a share of the axis (0..1) and its text, or hidden (no share) with the hidden wording.
struct BarValue {
    std::optional<double> share;
    std::string label;  ///< "63 %" when shown; "fewer than 5" / "hidden" when not
};

/// One category (an area, a choice): one bar per series.
struct BarCategory {
    std::string name;
    std::vector<BarValue> values;
};

struct BarChart {
    std::string idPrefix;
    std::string title;
    std::string description;           ///< put before the figures in <desc>
    std::vector<std::string> series;   ///< names; with more than one, a legend is drawn
    std::vector<BarCategory> categories;
    std::vector<std::string> ticks;    ///< labels of the gridlines at 0, 1/(n-1), ..., 1 ("0 %" ... "100 %")
};

/// Horizontal bars grouped by category, the category's name above its bars, the value at each bar's end.
[[nodiscard]] std::string barChart(const BarChart& chart);

struct StackedSegment {
    double share = 0;   ///< of the whole bar, 0..1
    std::string label;  ///< "42 %"
};

struct StackedRow {
    std::string name;
    std::optional<std::vector<StackedSegment>> segments;  ///< per legend entry; nullopt when hidden
    std::string hiddenLabel;
};

struct StackedChart {
    std::string idPrefix;
    std::string title;
    std::string description;
    std::vector<std::string> legend;  ///< one per segment, in order (e.g. the survey's levels)
    std::vector<StackedRow> rows;
};

/// One 100 % bar per row, split into the legend's segments.
[[nodiscard]] std::string stackedChart(const StackedChart& chart);

/// A small decorative bar (aria-hidden) for a table cell: `share` of its width filled.
[[nodiscard]] std::string miniBar(double share);

}  // namespace svarboks::server::svg
