//! Who is asking: password hashing, API keys, SMTP logins and failure
//! throttling. (The HTTP session, the signed-in user extractor and CSRF
//! protection are the web's: `web::session`, `web::current_user`,
//! `web::csrf`.)

pub mod api_key;
pub mod login_throttle;
pub mod password;
pub mod smtp_login;
pub mod stored_policies;
pub mod throttle;

pub use login_throttle::LoginThrottle;
pub use throttle::FailureThrottle;
