#pragma once
// What the consent text promises every respondent, declared once (docs/anonymity.md). Every report, page,
// download and command reads these; none can ask for less.
namespace svarboks::server {

/// "Results are only shown for groups of at least 5": no figure about fewer respondents is shown or can be
/// worked out. A command may ask for a larger group size, never a smaller one.
inline constexpr int kMinimumGroupSize = 5;

/// "Answers are deleted after 3 years."
inline constexpr int kRetentionYears = 3;

}  // namespace svarboks::server
