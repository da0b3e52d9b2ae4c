/** Why a token was refused; the reason is a metric label and a log field, never echoed in detail to clients. */
export type AuthFailureReason = 'missing' | 'malformed' | 'bad_signature' | 'expired' | 'not_yet_valid' | 'bad_claims' | 'bad_subject';

export class AuthError extends Error {
  readonly code = 'UNAUTHORIZED';
  constructor(
    readonly reason: AuthFailureReason,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}
