//! Secrets read once at cold start: the pseudonymisation key (see
//! [`logwrangler::pseudonym`]), from the environment (`LOGWRANGLER_PSEUDONYMISE_KEY`,
//! local runs and tests) or from a Secrets Manager secret
//! (`LOGWRANGLER_PSEUDONYMISE_KEY_SECRET`, deployed; the CDK stack generates it).
//! Both Lambdas of the pipeline read it the same way, so their tokens join.
//!
//! Why Secrets Manager rather than an SSM SecureString: CloudFormation can
//! generate a secret's random value but cannot create SecureString parameters,
//! so the stack owns the key end to end (and it can be rotated or replaced
//! without redeploying the functions' code).
//!
//! Why fail fast: a function configured to pseudonymise that cannot read its
//! key must not start, rather than write personal data in clear. The key is
//! never logged or put into an error; [`Pseudonymiser::key_id`] is the safe
//! fingerprint to log.

use std::future::Future;
use std::sync::Arc;

use logwrangler::ConfigError;
use logwrangler::pseudonym::{KEY_SECRET_VAR, KEY_VAR, KeySource, Pseudonymiser};

/// Reads secret values: Secrets Manager in AWS, moto_server locally, a map in tests.
pub trait SecretStore {
    /// The `SecretString` of secret `id` (name or ARN), or why it could not be read.
    fn secret_string(&self, id: &str) -> impl Future<Output = Result<String, String>> + Send;
}

/// Secrets Manager through aws-sdk-secretsmanager. The client is created on
/// first use: a function without a key secret never loads the AWS
/// configuration for it (no cold-start cost).
#[cfg(feature = "aws")]
#[derive(Debug, Default)]
pub struct SecretsManager {
    client: tokio::sync::OnceCell<aws_sdk_secretsmanager::Client>,
}

#[cfg(feature = "aws")]
impl SecretsManager {
    /// A store that loads the AWS configuration (`AWS_ENDPOINT_URL` included) when first used.
    pub fn lazy() -> Self {
        SecretsManager::default()
    }

    /// A store over a ready client.
    pub fn with_client(client: aws_sdk_secretsmanager::Client) -> Self {
        SecretsManager {
            client: tokio::sync::OnceCell::new_with(Some(client)),
        }
    }

    /// A store using an already loaded AWS configuration.
    pub fn from_sdk_config(config: &aws_config::SdkConfig) -> Self {
        SecretsManager::with_client(aws_sdk_secretsmanager::Client::new(config))
    }

    async fn client(&self) -> &aws_sdk_secretsmanager::Client {
        self.client
            .get_or_init(|| async {
                let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
                aws_sdk_secretsmanager::Client::new(&config)
            })
            .await
    }
}

#[cfg(feature = "aws")]
impl SecretStore for SecretsManager {
    fn secret_string(&self, id: &str) -> impl Future<Output = Result<String, String>> + Send {
        let id = id.to_owned();
        async move {
            let output = self
                .client()
                .await
                .get_secret_value()
                .secret_id(id)
                .send()
                .await
                .map_err(|e| aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string())?;
            output
                .secret_string
                .ok_or_else(|| "the secret has no SecretString (a binary secret?)".to_owned())
        }
    }
}

/// The pseudonymiser the environment asks for, when no secret store is at
/// hand: the inline key ([`KEY_VAR`]); a key secret is an error that points
/// to [`load_pseudonymiser`]. `None` when pseudonymisation is off.
pub fn inline_pseudonymiser(
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<Arc<Pseudonymiser>>, ConfigError> {
    match KeySource::from_vars(var)? {
        None => Ok(None),
        Some(KeySource::Inline(key)) => from_key(&key, KEY_VAR).map(Some),
        Some(KeySource::Secret(_)) => Err(ConfigError::Conflict(format!(
            "{KEY_SECRET_VAR} is set but this configuration is read without access to Secrets Manager: \
             load it with Config::load (the Lambda binaries do)"
        ))),
    }
}

/// The pseudonymiser the environment asks for, reading the key secret
/// ([`KEY_SECRET_VAR`]) through `store` once. `None` when pseudonymisation
/// is off.
pub async fn load_pseudonymiser(
    var: impl Fn(&str) -> Option<String>,
    store: &impl SecretStore,
) -> Result<Option<Arc<Pseudonymiser>>, ConfigError> {
    match KeySource::from_vars(var)? {
        None => Ok(None),
        Some(KeySource::Inline(key)) => from_key(&key, KEY_VAR).map(Some),
        Some(KeySource::Secret(id)) => {
            let key = store.secret_string(&id).await.map_err(|e| {
                ConfigError::Unavailable(format!(
                    "{KEY_SECRET_VAR}: cannot read the pseudonymisation key from secret {id:?}: {e}. \
                     Check that the secret exists in this region with the key as its SecretString and \
                     that the function's role allows secretsmanager:GetSecretValue on it (and \
                     kms:Decrypt on its KMS key)"
                ))
            })?;
            from_key(&key, &format!("secret {id:?}")).map(Some)
        }
    }
}

/// The cold-start path of both Lambdas: the configuration `from_vars` reads
/// (with the key secret variable hidden from it, so it does not refuse it),
/// then the pseudonymiser the environment asks for, the secret read through
/// `store` once.
pub async fn load_with_key<C>(
    var: impl Fn(&str) -> Option<String>,
    store: &impl SecretStore,
    from_vars: impl FnOnce(&dyn Fn(&str) -> Option<String>) -> Result<C, ConfigError>,
) -> Result<(C, Option<Arc<Pseudonymiser>>), ConfigError> {
    let config = {
        let without_secret = |name: &str| match name {
            KEY_SECRET_VAR => None,
            other => var(other),
        };
        from_vars(&without_secret)?
    };
    let pseudonymiser = load_pseudonymiser(&var, store).await?;
    Ok((config, pseudonymiser))
}

/// The pseudonymiser of a configured key; errors name where the key came from.
fn from_key(key: &str, source: &str) -> Result<Arc<Pseudonymiser>, ConfigError> {
    Pseudonymiser::from_key_text(key)
        .map(Arc::new)
        .map_err(|e| e.context(source))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const KEY: &str = "d95d2416c2267c9b846d69d7f7192ca50f0bccbce666cdfd10d5ea9e7339564c";

    /// Secrets in a map; a missing one fails like Secrets Manager's ResourceNotFoundException.
    struct Secrets(HashMap<&'static str, &'static str>);

    impl SecretStore for Secrets {
        fn secret_string(&self, id: &str) -> impl Future<Output = Result<String, String>> + Send {
            let found = self.0.get(id).map(|v| v.to_string());
            async move { found.ok_or_else(|| "ResourceNotFoundException".to_owned()) }
        }
    }

    fn vars(pairs: &[(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        move |name| map.get(name).map(|v| v.to_string())
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn the_key_comes_from_the_environment_or_a_secret() {
        let store = Secrets(HashMap::from([("/lw/key", KEY), ("/lw/weak", "00")]));
        let inline = inline_pseudonymiser(vars(&[(KEY_VAR, KEY)]))
            .unwrap()
            .unwrap();
        let loaded = block_on(load_pseudonymiser(
            vars(&[(KEY_SECRET_VAR, "/lw/key")]),
            &store,
        ))
        .unwrap()
        .unwrap();
        assert_eq!(inline.key_id(), loaded.key_id());
        assert!(inline_pseudonymiser(vars(&[])).unwrap().is_none());
        assert!(
            block_on(load_pseudonymiser(vars(&[]), &store))
                .unwrap()
                .is_none()
        );

        let err = inline_pseudonymiser(vars(&[(KEY_SECRET_VAR, "/lw/key")])).unwrap_err();
        assert!(err.message().contains("Config::load"), "{err}");
        let err = block_on(load_pseudonymiser(
            vars(&[(KEY_SECRET_VAR, "/lw/none")]),
            &store,
        ))
        .unwrap_err();
        assert!(
            err.message().contains("cannot read the pseudonymisation key from secret \"/lw/none\": ResourceNotFoundException")
                && err.message().contains("secretsmanager:GetSecretValue"),
            "{err}"
        );
        let err = block_on(load_pseudonymiser(
            vars(&[(KEY_SECRET_VAR, "/lw/weak")]),
            &store,
        ))
        .unwrap_err();
        assert!(
            err.message()
                .starts_with("secret \"/lw/weak\": the pseudonymisation key has 1 bytes"),
            "{err}"
        );
        let err = inline_pseudonymiser(vars(&[(KEY_VAR, "hunter2hunter2")])).unwrap_err();
        assert!(
            err.message().starts_with("LOGWRANGLER_PSEUDONYMISE_KEY: "),
            "{err}"
        );
        assert!(!err.message().contains("hunter2"), "{err}");
    }
}
