//! Who is asking: password hashing, the typed session, the signed-in user,
//! CSRF protection and failure throttling.

pub mod api_key;
pub mod csrf;
pub mod current_user;
pub mod login_throttle;
pub mod password;
pub mod session;
pub mod smtp_login;
pub mod throttle;

pub use current_user::CurrentUser;
pub use login_throttle::LoginThrottle;
pub use session::TypedSession;
pub use throttle::FailureThrottle;
