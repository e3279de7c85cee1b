//! Signatures as the Standard Webhooks specification
//! (<https://www.standardwebhooks.com/>) defines them: the secret is
//! `whsec_` followed by base64 of random bytes; the signed content is
//! `{webhook-id}.{webhook-timestamp}.{body}`; the `webhook-signature`
//! header is `v1,` followed by base64 of its HMAC-SHA256 under the secret's
//! bytes.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The prefix of a signing secret.
pub(crate) const SECRET_PREFIX: &str = "whsec_";

/// A new signing secret of 32 random bytes.
pub(crate) fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// The `webhook-signature` header of `body` sent as message `id` at `timestamp` (Unix seconds).
pub(crate) fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = STANDARD.decode(secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret)).unwrap_or_default();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes a key of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the specification's reference libraries
    /// (standard-webhooks, `libraries/javascript/src/index.test.ts`).
    #[test]
    fn signs_as_the_specifications_example() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        let signature = sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn a_new_secret_is_32_random_bytes() {
        let (one, two) = (new_secret(), new_secret());
        assert_ne!(one, two);
        let bytes = STANDARD.decode(one.strip_prefix(SECRET_PREFIX).unwrap()).unwrap();
        assert_eq!(bytes.len(), 32);
    }
}
