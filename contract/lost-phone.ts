/** The one-time code of a lost phone lives this long at most (less when the setting oneTimeCodeMinutes is lower). */
export const LOST_PHONE_CODE_MINUTES = 15;
