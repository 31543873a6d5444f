// The command line's language: Norwegian bokmål when the locale says so (LC_ALL, LC_MESSAGES or
// LANG, in the order POSIX reads them, starting with nb, no or nn), else English. The services'
// messages are English; the error line a person reads is chosen by its code, as in the app.
import type { ErrorCode } from '../core/errors.ts';
import type { PasswordProblem } from '../core/passwords.ts';

export type CliLanguage = 'nb' | 'en';

/** The language of the locale in `env`: `LANG=nb_NO.UTF-8` gives 'nb', anything else 'en'. */
export function cliLanguage(env: Record<string, string | undefined>): CliLanguage {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^(nb|no|nn)([_.@-]|$)/i.test(locale) ? 'nb' : 'en';
}

/** The warning a remaining service key is listed with (English: SERVICE_KEY_WARNING of main/core/service-keys.ts). */
export const NB_SERVICE_KEY_WARNING = 'denne nøkkelfilen låser opp hvelvnøkkelen: tilbakekall den';

/** What went wrong, in bokmål, per error code (the English line is the service's own message). */
export const NB_ERRORS: Record<ErrorCode, string> = {
  BAD_REQUEST: 'Kommandoen eller en verdi i den er ikke gyldig.',
  FORBIDDEN: 'Rollen din gir ikke lov til dette. Spør en administrator.',
  SESSION_LOCKED: 'Logg inn først.',
  SIGNIN_FAILED: 'Navnet eller passordet er feil, eller passordet mangler.',
  OPERATOR_LOCKED: 'Operatørkontoen er låst etter for mange mislykkede innlogginger. Spør en administrator.',
  RATE_LIMITED: 'For mange forsøk. Vent litt og prøv igjen.',
  WEAK_PASSWORD: 'Passordet er for lett å gjette. Velg en lengre setning.',
  NOT_FOUND: 'Fant ikke brukeren eller operatøren.',
  CONFLICT: 'Det finnes allerede, eller noen andre endret det akkurat nå.',
  USER_DISABLED: 'Brukeren er deaktivert. Aktiver brukeren før du endrer innloggingsmetodene.',
  OWN_ACCOUNT: 'Dette er din egen brukerkonto. Be en annen operatør gjøre dette.',
  OPERATOR_ACCOUNT: 'Dette er en operatørs egen konto: bare en administrator kan gjøre dette.',
  APPROVAL_REQUIRED: 'Du har nådd grensen for endringer av innloggingsmetoder; en endring over grensen må godkjennes av en annen person. Ingenting ble endret.',
  APPROVAL_PENDING: 'Endringen venter på godkjenning fra en annen administrator; ingenting er endret ennå.',
  APPROVAL_CLOSED: 'Godkjenningsforespørselen er allerede avgjort, kjørt eller utløpt.',
  OWN_APPROVAL: 'Du kan ikke avgjøre din egen forespørsel eller en som gjelder din egen konto. Be en annen administrator.',
  CHECKS_REQUIRED: 'Minst én sterk identitetssjekk trengs (callback, photo-id eller manager); e-post alene er aldri nok.',
  TICKET_REQUIRED: 'Oppgi saksnummeret (--ticket).',
  REASON_REQUIRED: 'Oppgi årsaken (--reason).',
  NO_PENDING_ENROLLMENT: 'Det venter ikke noe oppsett for denne brukeren (det kan ha gått ut eller blitt bekreftet).',
  USER_LOCKED: 'Brukeren er låst etter for mange feil koder.',
  CODE_REJECTED: 'Koden ble ikke godtatt.',
  VAULT_MISSING: 'Hvelvmappen mangler eller kan ikke leses.',
  VAULT_EXISTS: 'Det finnes allerede et hvelv her; det ble ikke rørt.',
  VAULT_DAMAGED: 'Hvelvet er skadet. Gjenopprett det fra siste sikkerhetskopi.',
  VAULT_NEWER: 'Hvelvet er laget av en nyere versjon av FactorDesk.',
  WRONG_KEY: 'Nøkkelen eller passordet åpner ikke dette hvelvet.',
  SLOTS_INVALID: 'Nøkkelfilen (keyslots.json) er ugyldig.',
  BACKUP_INVALID: 'Sikkerhetskopien er ugyldig.',
  VAULT_BUSY: 'Hvelvet er i bruk i en annen FactorDesk-prosess. Prøv igjen.',
  DISK_FULL: 'Disken er full. Frigjør plass og prøv igjen.',
  IO_ERROR: 'En fil kunne ikke leses eller skrives.',
  CANCELLED: 'Avbrutt.',
  NOT_IN_SERVER_MODE: 'Dette kan ikke gjøres gjennom en server.',
  SERVER_ONLY: 'Dette krever en FactorDesk-server; et lokalt hvelv har det ikke.',
  SERVER_UNREACHABLE: 'Serveren svarer ikke: sjekk adressen, nettverket og at serveren kjører.',
  SERVER_KEY_CHANGED: 'Serverens nøkkel er ikke den som ble festet: dette er kanskje ikke serveren deres. Spør administratoren før du går videre.',
  SECOND_FACTOR_ENROLL: 'Sett opp din egen andre faktor først (skann QR-koden i autentiseringsappen), og logg inn med en kode fra den.',
  SERVICE_KEY_RETIRED: 'Tjenestenøkler er avviklet: en nøkkelfil låser opp hvelvnøkkelen, og dermed alt i hvelvet. En innloggingstjeneste sjekker koder med POST /api/v1/validate hos «factordesk serve», med en tjenesteklient (service-client create); et lokalt hvelv kjører serve på hvelvet, på samme maskin, og lytter på 127.0.0.1.',
  VAULT_READ_ONLY: 'Hvelvet kan bare leses nå (mappen er skrivebeskyttet eller disken er full): ingenting ble endret.',
  INTERNAL: 'Noe gikk galt inne i FactorDesk; mer vises ikke med vilje.',
};

/** Why a password was refused, in bokmål, by the core's `details.problem` (as the app says it). */
export const NB_PASSWORD_PROBLEMS: Record<PasswordProblem, string> = {
  'at least 15 characters': 'Passordet må ha minst 15 tegn. Velg for eksempel fire eller fem ord som ikke hører sammen.',
  'at most 256 characters': 'Passordet kan ha høyst 256 tegn.',
  'a commonly used password': 'Dette er et mye brukt passord. Velg noe annet, for eksempel fire eller fem ord som ikke hører sammen.',
  repetitive: 'Passordet gjentar seg eller er en rekkefølge (som «aaaa», «1234» eller «qwerty»). Velg noe annet, for eksempel fire eller fem ord som ikke hører sammen.',
  sequential: 'Passordet gjentar seg eller er en rekkefølge (som «aaaa», «1234» eller «qwerty»). Velg noe annet, for eksempel fire eller fem ord som ikke hører sammen.',
  'the name of the product or the operator': 'Passordet er for det meste navnet ditt eller navnet på produktet. Velg noe annet, for eksempel fire eller fem ord som ikke hører sammen.',
  'easy to guess': 'Passordet er for lett å gjette (vanlige ord, navn, datoer, gjentakelser eller tastaturmønstre). Velg noe annet, for eksempel fire eller fem ord som ikke hører sammen.',
};
