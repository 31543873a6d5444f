/** The enrollment page's texts in both languages (Norwegian first, as the notifications). */
export type EnrollLang = 'nb' | 'en';

export const ENROLL_TEXTS: Record<EnrollLang, Record<string, string>> = {
  nb: {
    title: 'Sett opp autentiseringsappen',
    intro: 'Skriv inn e-postadressen din og registreringskoden du fikk fra brukerstøtte.',
    email: 'E-postadresse',
    code: 'Registreringskode (XXXX-XXXX-XXXX)',
    start: 'Fortsett',
    scan: 'Skann QR-koden med autentiseringsappen din, eller skriv inn nøkkelen. Den vises bare denne ene gangen.',
    key: 'Nøkkel',
    otp: 'Den sekssifrede koden appen viser nå',
    confirm: 'Bekreft',
    done: 'Ferdig: den nye autentiseringsappen er tatt i bruk. Du kan lukke siden.',
    other: 'English',
    'err-rejected': 'E-postadressen og koden passer ikke sammen, eller koden er brukt eller utløpt. Be brukerstøtte om en ny kode.',
    'err-locked': 'For mange forsøk. Vent litt, eller ring brukerstøtte.',
    'err-CODE_REJECTED': 'Koden stemmer ikke. Skriv inn koden appen viser nå.',
    'err-SESSION_LOCKED': 'Denne økten er avsluttet. Be brukerstøtte om en ny registreringskode.',
    'err-FORBIDDEN': 'Forespørselen kom ikke fra registreringssiden. Last siden på nytt.',
    'err-BAD_REQUEST': 'Skriv inn de seks sifrene appen viser.',
    'err-other': 'Noe gikk galt. Prøv igjen eller ring brukerstøtte.',
  },
  en: {
    title: 'Set up your authenticator app',
    intro: 'Enter your email address and the enrollment code the helpdesk gave you.',
    email: 'Email address',
    code: 'Enrollment code (XXXX-XXXX-XXXX)',
    start: 'Continue',
    scan: 'Scan the QR code with your authenticator app, or type the key. It is shown this one time only.',
    key: 'Key',
    otp: 'The 6-digit code the app shows now',
    confirm: 'Confirm',
    done: 'Done: your new authenticator app is in use. You can close this page.',
    other: 'Norsk',
    'err-rejected': 'The email address and code do not match, or the code is used or expired. Ask the helpdesk for a new code.',
    'err-locked': 'Too many attempts. Wait a while, or call the helpdesk.',
    'err-CODE_REJECTED': 'That code does not match. Enter the code the app shows now.',
    'err-SESSION_LOCKED': 'This session has ended. Ask the helpdesk for a new enrollment code.',
    'err-FORBIDDEN': 'The request did not come from the enrollment page. Reload the page.',
    'err-BAD_REQUEST': 'Enter the 6 digits the app shows.',
    'err-other': 'Something went wrong. Try again or call the helpdesk.',
  },
};

/** The language the browser prefers of the two (Accept-Language, or ?lang=). */
export function enrollLang(query: string | null, acceptLanguage: string | undefined): EnrollLang {
  if (query === 'nb' || query === 'en') return query;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]!.trim().toLowerCase();
    if (/^(nb|no|nn)\b/.test(tag)) return 'nb';
    if (/^en\b/.test(tag)) return 'en';
  }
  return 'nb';
}
