#pragma once
// Internal: the words of the Administration area (admin_pages.hpp) in Danish and English. "{}" is filled
// by fill() (dashboard_text.hpp), in order.
#include "dashboard_text.hpp"

#include <string_view>

namespace svarboks::server::dashboard {

struct AdminTexts {
    // navigation
    std::string_view navAdmin, areaNavigation, units, kiosks, enrolmentCode, surveys, wrongMethod;
    // units
    std::string_view unitsTitle, unitsIntro, unitId, unitName, unitGroup, unitKiosks, unitState, active, retired, noGroup, edit,
        unitsNone, addTitle, idHint, nameHint, newGroup, newGroupHint, add, added, renamed, moved, retiredDone, retiredNote;
    // one unit
    std::string_view unitTitle, renameTitle, rename, moveTitle, move, retireTitle, retireIntro, retire, retireConfirmTitle,
        retireConfirmText, retireConfirm, cancel, makeCodeFor;
    // kiosks
    std::string_view kiosksTitle, kiosksIntro, device, enrolled, lastSeen, survey, never, revoked, revoke, kiosksNone, revokedDone,
        revokeTitle, revokeText, revokeConfirm, appVersionNote;
    // enrolment codes
    std::string_view codeTitle, codeIntro, expires, oneDay, sevenDays, thirtyDays, makeCode, noUnits;
    // the sheet
    std::string_view sheetTitle, sheetIntro, sheetUnit, sheetEndpoint, sheetCode, sheetValidUntil, sheetSteps, step1, step2, step3, step4,
        step5, sheetCommandLine, sheetQr, sheetNoQr, sheetPrint, sheetGone;
    // refusals, by AdminProblem
    std::string_view badUnitId, takenUnitId, emptyName, badName, badGroup, unknownGroup, unknownUnit, retiredUnit, unknownDevice,
        badLifetime, storeFailed;
    // accounts (admin_accounts.cpp): the menu entry and the refusals of AccountAdmin, by AdminProblem
    std::string_view accounts, badUserName, takenUserName, unknownUser, badRole, missingScope, scopeNotAllowed, unknownScopeUnit,
        unknownScopeGroup, badPassword, passwordsDiffer, wrongPassword, accountLocked, selfLockout, lastAdministrator;
};

[[nodiscard]] const AdminTexts& adminTexts(Language language);

}  // namespace svarboks::server::dashboard
