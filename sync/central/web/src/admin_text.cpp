#include "admin_text.hpp"

namespace svarboks::server::dashboard {

namespace {

constexpr AdminTexts kDanish{
    // navigation
    "Administration", "Administration", "Enheder", "Kiosker", "Tilmeldingskode", "Spørgeskemaer",
    "Siden kan ikke bruges på den måde. Åbn den fra menuen Administration.",
    // units
    "Enheder", "Enhederne er plejehjem, hjemmeplejedistrikter og skoler. Rapporterne lægger enheder sammen efter gruppe.",
    "Id", "Navn", "Gruppe", "Kiosker", "Status", "Aktiv", "Nedlagt", "(ingen gruppe)", "Ret", "Der er ingen enheder endnu.",
    "Tilføj en enhed", "1-64 tegn: a-z, 0-9, '-', '_' og '.'. Kan ikke ændres senere.", "Det navn, kiosker og rapporter viser.",
    "Eller en ny gruppe", "Udfyldes kun for en gruppe, der ikke findes endnu.", "Tilføj enhed", "Enheden {} er tilføjet.",
    "Enheden {} har fået nyt navn.", "Enheden {} er flyttet.", "Enheden {} er nedlagt.",
    "Nedlagt: den får ingen nye tilmeldingskoder. Dens svar, rapporter og kiosker bliver.",
    // one unit
    "Enhed: {}", "Omdøb", "Omdøb", "Flyt til en anden gruppe", "Flyt", "Nedlæg enheden",
    "En nedlagt enhed får ingen nye tilmeldingskoder, og dens ubrugte koder holder op med at virke. Dens svar og rapporter bliver, "
    "og dens kiosker sender stadig det, de har (tilbagekald dem under Kiosker).",
    "Nedlæg …", "Nedlæg {}?",
    "{} får ingen nye tilmeldingskoder, og dens ubrugte koder holder op med at virke. Svar og rapporter bliver. Det kan ikke fortrydes her.",
    "Ja, nedlæg enheden", "Fortryd", "Lav en tilmeldingskode til denne enhed",
    // kiosks
    "Kiosker", "Alle tilmeldte kiosker. En tilbagekaldt kiosk får afslag (401) ved sin næste synkronisering; dens svar, der allerede er modtaget, bliver.",
    "Kiosk", "Tilmeldt", "Sidst i kontakt", "Spørgeskema hentet", "aldrig", "Tilbagekaldt", "Tilbagekald …", "Ingen kiosker er tilmeldt endnu.",
    "Kiosken {} er tilbagekaldt.", "Tilbagekald kiosken?",
    "Kiosken {} ({}) får afslag ved sin næste synkronisering og kan ikke sende flere svar. Den beholder de svar, den har; de kan "
    "eksporteres på kiosken. Det kan ikke fortrydes: kiosken skal tilmeldes igen med en ny kode.",
    "Ja, tilbagekald kiosken",
    "Appens version vises ikke: synkroniseringsprotokollen overfører den ikke.",
    // enrolment codes
    "Lav en tilmeldingskode",
    "En kode tilmelder én kiosk til en enhed. Den virker én gang og udløber. Koden vises kun nu, på et ark til udskrift til IT.",
    "Gyldig i", "1 dag", "7 dage", "30 dage", "Lav kode", "Tilføj først en enhed under Enheder.",
    // the sheet
    "Tilmelding af en kiosk", "Til IT: sådan tilmeldes en kiosk til enheden nedenfor.", "Enhed", "Adresse", "Tilmeldingskode", "Gyldig til",
    "Sådan gør du",
    "Tænd kiosken, og forbind den til netværket.",
    "På skærmen »Opsætning af kiosken« skrives adressen: {}",
    "Skriv tilmeldingskoden: {} (store og små bogstaver og bindestreger er ligegyldige).",
    "Vælg en ny PIN-kode på 6 cifre, og tryk Tilmeld. Kiosken viser enhedens navn og henter spørgeskemaet.",
    "Koden virker én gang. Smid arket ud, når kiosken er tilmeldt, eller når koden er udløbet.",
    "Eller på kioskens kommandolinje:", "Koden som QR-kode", "(Ingen QR-kode: denne server er bygget uden libqrencode.)",
    "Udskriv arket nu med browserens udskriftsfunktion (Ctrl+P): det vises kun denne ene gang.",
    "Arket vises ikke igen (det er vist én gang, eller det er udløbet). Lav en ny kode.",
    // refusals
    "Brug 1-64 tegn: a-z, 0-9, '-', '_' og '.', og start med et bogstav eller et ciffer.", "Id'et {} er allerede brugt. Vælg et andet.",
    "Skriv et navn.", "Navnet må højst være 200 tegn og ingen linjeskift eller styretegn have.",
    "Gruppens navn må højst være 200 tegn og ingen linjeskift eller styretegn have.",
    "Gruppen {} findes ikke. Vælg en fra listen, eller skriv en ny gruppe.", "Enheden {} findes ikke.",
    "Enheden {} er nedlagt og får ingen nye koder.", "Kiosken {} findes ikke.", "Vælg 1, 7 eller 30 dage.",
    "Ændringen kunne ikke gemmes: {}",
    // accounts
    "Konti",
    "Brug 1-64 tegn: a-z, 0-9, '.', '_', '-' og '@', og start med et bogstav eller et ciffer.",
    "Navnet {} er allerede brugt. Vælg et andet.", "Kontoen {} findes ikke.", "Vælg en af rollerne.",
    "En enhedsleder skal have mindst én enhed eller gruppe. Vælg dem, vedkommende leder.",
    "Kun en enhedsleder har enheder og grupper (de andre roller ser alle enheder). Fjern markeringerne, eller vælg rollen enhedsleder.",
    "En af de valgte enheder findes ikke. Indlæs siden igen, og vælg blandt dem på listen.",
    "En af de valgte grupper findes ikke. Indlæs siden igen, og vælg blandt dem på listen.",
    "Brug mindst {} tegn, højst 1024 bytes, uden linjeskift eller tabulatorer, og ikke den nuværende adgangskode.",
    "De to nye adgangskoder er ikke ens. Skriv den samme to gange.",
    "Den nuværende adgangskode er forkert. Skriv den, du loggede ind med.",
    "For mange forkerte adgangskoder: kontoen er låst i et kvarter. Prøv igen senere, eller bed en administrator om at låse den op.",
    "Det kan du ikke gøre ved din egen konto: bed en anden administrator om det. Din egen adgangskode ændrer du under Adgangskode.",
    "{} er den sidste aktive administrator. Tilføj eller aktivér en anden administrator først."};

constexpr AdminTexts kEnglish{
    // navigation
    "Administration", "Administration", "Units", "Kiosks", "Enrolment code", "Surveys",
    "This page cannot be used that way. Open it from the Administration menu.",
    // units
    "Units", "Units are care homes, home-care districts and schools. Reports sum units by group.",
    "Id", "Name", "Group", "Kiosks", "State", "Active", "Retired", "(no group)", "Edit", "There are no units yet.",
    "Add a unit", "1-64 characters: a-z, 0-9, '-', '_' and '.'. It cannot be changed later.", "The name kiosks and reports show.",
    "Or a new group", "Only for a group that does not exist yet.", "Add unit", "Unit {} was added.", "Unit {} was renamed.",
    "Unit {} was moved.", "Unit {} was retired.",
    "Retired: it gets no new enrolment codes. Its responses, reports and kiosks stay.",
    // one unit
    "Unit: {}", "Rename", "Rename", "Move to another group", "Move", "Retire the unit",
    "A retired unit gets no new enrolment codes, and its unused codes stop working. Its responses and reports stay, and its kiosks "
    "still send what they hold (revoke them under Kiosks).",
    "Retire …", "Retire {}?",
    "{} gets no new enrolment codes, and its unused codes stop working. Responses and reports stay. This cannot be undone here.",
    "Yes, retire the unit", "Cancel", "Make an enrolment code for this unit",
    // kiosks
    "Kiosks", "Every enrolled kiosk. A revoked kiosk is refused (401) at its next sync; the responses already received from it stay.",
    "Kiosk", "Enrolled", "Last contact", "Survey fetched", "never", "Revoked", "Revoke …", "No kiosk is enrolled yet.",
    "Kiosk {} was revoked.", "Revoke the kiosk?",
    "Kiosk {} ({}) is refused at its next sync and cannot send any more responses. It keeps the responses it holds; they can be "
    "exported on the kiosk. This cannot be undone: the kiosk must be enrolled again with a new code.",
    "Yes, revoke the kiosk",
    "The app version is not shown: the sync protocol does not carry it.",
    // enrolment codes
    "Make an enrolment code",
    "A code enrols one kiosk for a unit. It works once and expires. The code is shown only now, on a sheet to print for IT.",
    "Valid for", "1 day", "7 days", "30 days", "Make code", "Add a unit first, under Units.",
    // the sheet
    "Enrolling a kiosk", "For IT: how to enrol a kiosk for the unit below.", "Unit", "Address", "Enrolment code", "Valid until",
    "What to do",
    "Switch the kiosk on and connect it to the network.",
    "On the \"Kiosk setup\" screen, enter the address: {}",
    "Enter the enrolment code: {} (case and dashes do not matter).",
    "Choose a new PIN of 6 digits and tap Enrol. The kiosk shows the unit's name and fetches the survey.",
    "The code works once. Throw this sheet away once the kiosk is enrolled, or when the code has expired.",
    "Or on the kiosk's command line:", "The code as a QR code", "(No QR code: this server was built without libqrencode.)",
    "Print the sheet now with the browser's print command (Ctrl+P): it is shown this once only.",
    "This sheet is not shown again (it was shown once, or it expired). Make a new code.",
    // refusals
    "Use 1-64 characters: a-z, 0-9, '-', '_' and '.', starting with a letter or digit.", "The id {} is taken. Choose another.",
    "Enter a name.", "A name has at most 200 characters and no line breaks or control characters.",
    "A group's name has at most 200 characters and no line breaks or control characters.",
    "There is no group {}. Choose one of the list, or enter a new group.", "There is no unit {}.",
    "Unit {} is retired and gets no new codes.", "There is no kiosk {}.", "Choose 1, 7 or 30 days.",
    "The change could not be saved: {}",
    // accounts
    "Accounts",
    "Use 1-64 characters: a-z, 0-9, '.', '_', '-' and '@', starting with a letter or digit.",
    "The name {} is taken. Choose another.", "There is no account {}.", "Choose one of the roles.",
    "A unit leader needs at least one unit or group. Choose the ones they lead.",
    "Only a unit leader has units and groups (the other roles see every unit). Clear the choices, or choose the unit leader role.",
    "One of the chosen units does not exist. Reload the page and choose from the list.",
    "One of the chosen groups does not exist. Reload the page and choose from the list.",
    "Use at least {} characters, at most 1024 bytes, no line breaks or tabs, and not the current password.",
    "The two new passwords differ. Type the same one twice.",
    "The current password is not right. Type the one you signed in with.",
    "Too many wrong passwords: the account is locked for a quarter of an hour. Try again later, or ask an administrator to unlock it.",
    "You cannot do that to your own account: ask another administrator. Your own password you change under Password.",
    "{} is the last enabled administrator. Add or enable another administrator first."};

}  // namespace

const AdminTexts& adminTexts(Language language) { return language == Language::English ? kEnglish : kDanish; }

}  // namespace svarboks::server::dashboard
