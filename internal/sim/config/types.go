package config

// TLS holds the key and trust material settings that Hono's AbstractConfig
// gives both servers and clients (facts sheet section 3).
type TLS struct {
	// KeyPath and CertPath name a PEM private key and certificate chain;
	// they are used as a pair and win over a key store.
	KeyPath  string `hono:"keyPath"`
	CertPath string `hono:"certPath"`
	// KeyStorePath names a PKCS#12 or JKS key store, used only when
	// KeyPath and CertPath are not both set.
	KeyStorePath     string `hono:"keyStorePath"`
	KeyStorePassword string `hono:"keyStorePassword"`
	// TrustStorePath names PEM certificates, a JKS or a PKCS#12 trust store.
	TrustStorePath     string `hono:"trustStorePath"`
	TrustStorePassword string `hono:"trustStorePassword"`
	// KeyFormat and TrustStoreFormat are PEM, JKS or PKCS12; empty means
	// detect by file extension, as Hono does.
	KeyFormat        string `hono:"keyFormat"`
	TrustStoreFormat string `hono:"trustStoreFormat"`
	// SecureProtocols replaces the enabled protocols; default [TLSv1.2].
	// An empty list given explicitly disables TLS in Hono.
	SecureProtocols []string `hono:"secureProtocols"`
	PathSeparator   string   `hono:"pathSeparator,inert=hono-sim uses / in every address"`
}

// HasKeyMaterial reports whether a key pair or a key store is configured,
// the condition on which Hono opens a secure port.
func (t *TLS) HasKeyMaterial() bool {
	return (t.KeyPath != "" && t.CertPath != "") || t.KeyStorePath != ""
}

// ServerConfig is a Hono ServiceConfigProperties block, for example
// hono.auth.amqp or hono.http.
type ServerConfig struct {
	TLS
	// BindAddress is where the secure port listens; default 127.0.0.1.
	BindAddress string `hono:"bindAddress"`
	// Port is the secure port; 0 means the service's default.
	Port int `hono:"port"`
	// InsecurePortEnabled opens the plain port; setting InsecurePort does too.
	InsecurePortEnabled     bool   `hono:"insecurePortEnabled"`
	InsecurePort            int    `hono:"insecurePort"`
	InsecurePortBindAddress string `hono:"insecurePortBindAddress"`

	NativeTLSRequired bool `hono:"nativeTlsRequired,inert=hono-sim has no OpenSSL engine; TLS stays Go crypto/tls"`
	// MaxPayloadSize bounds a message body in bytes; default 2048.
	MaxPayloadSize     int  `hono:"maxPayloadSize"`
	ReceiverLinkCredit int  `hono:"receiverLinkCredit"`
	SingleTenant       bool `hono:"singleTenant"`

	NetworkDebugLogging         bool `hono:"networkDebugLogging,inert=hono-sim logs no frame traces"`
	WaitForDownstreamConnection bool `hono:"waitForDownstreamConnection"`
}

// NewServerConfig returns a server block with Hono's defaults.
func NewServerConfig() *ServerConfig {
	return &ServerConfig{
		TLS:                     TLS{SecureProtocols: []string{"TLSv1.2"}},
		BindAddress:             "127.0.0.1",
		InsecurePortBindAddress: "127.0.0.1",
		MaxPayloadSize:          2048,
		ReceiverLinkCredit:      100,
	}
}

// SecurePort is the TLS port, or def when none is configured.
func (c *ServerConfig) SecurePort(def int) int {
	if c.Port > 0 {
		return c.Port
	}
	return def
}

// InsecureEnabled reports whether the plain port opens.
func (c *ServerConfig) InsecureEnabled() bool {
	return c.InsecurePortEnabled || c.InsecurePort > 0
}

// PlainPort is the insecure port, or def when none is configured.
func (c *ServerConfig) PlainPort(def int) int {
	if c.InsecurePort > 0 {
		return c.InsecurePort
	}
	return def
}

// AdapterConfig holds what Hono's ProtocolAdapterProperties add to a protocol
// adapter's server block (hono.http, hono.mqtt, hono.kura).
type AdapterConfig struct {
	// AuthenticationRequired makes devices authenticate; default true.
	AuthenticationRequired bool `hono:"authenticationRequired"`
	DefaultsEnabled        bool `hono:"defaultsEnabled"`
	// Realm is the HTTP adapter's basic auth realm; default "Hono".
	Realm string `hono:"realm"`

	JMSVendorPropsEnabled        bool   `hono:"jmsVendorPropsEnabled,inert=hono-sim adds no JMS vendor properties"`
	EventLoopBlockedCheckTimeout int    `hono:"eventLoopBlockedCheckTimeout,inert=hono-sim has no Vert.x event loop"`
	CORSAllowedOrigin            string `hono:"corsAllowedOrigin,inert=hono-sim sends no CORS headers"`
}

// MessagingConfig is what HonoMessagingConfigProperties add to hono.messaging
// in Hono Messaging.
type MessagingConfig struct {
	// AssertionValidationRequired checks reg_assertion and offers
	// hono-reg-assertion on receiver links; default true.
	AssertionValidationRequired bool `hono:"assertionValidationRequired"`
	// MaxSessionWindow bounds an upstream session's window; default 9830400.
	MaxSessionWindow int `hono:"maxSessionWindow"`
}

// KuraConfig is what KuraAdapterProperties add to hono.kura: the Kura topic
// scheme's control prefix and the content types of the two message kinds.
type KuraConfig struct {
	ControlPrefix      string `hono:"controlPrefix"`
	CtrlMsgContentType string `hono:"ctrlMsgContentType"`
	DataMsgContentType string `hono:"dataMsgContentType"`
}

// ClientConfig is a Hono ClientConfigProperties block, for example hono.auth
// in the registry or hono.messaging in an adapter.
type ClientConfig struct {
	TLS
	// Host and Port of the peer; defaults localhost and 5671.
	Host string `hono:"host"`
	Port int    `hono:"port"`
	// Username and Password for SASL PLAIN; CredentialsPath names a Java
	// properties file with both, read when neither is set.
	Username        string `hono:"username"`
	Password        string `hono:"password"`
	CredentialsPath string `hono:"credentialsPath"`
	// Name becomes the container id prefix; AmqpHostname the Open hostname.
	Name         string `hono:"name"`
	AmqpHostname string `hono:"amqpHostname"`
	// HostnameVerificationRequired checks the peer's name against its
	// certificate; default true.
	HostnameVerificationRequired bool `hono:"hostnameVerificationRequired"`
	TLSEnabled                   bool `hono:"tlsEnabled"`

	FlowLatency       int `hono:"flowLatency"`
	InitialCredits    int `hono:"initialCredits"`
	RequestTimeout    int `hono:"requestTimeout"`
	ReconnectAttempts int `hono:"reconnectAttempts"`

	// ResponseCacheMaxSize bounds the cache of a request/response client
	// (registration, credentials, tenant); default 1000. The other two
	// cache settings are accepted and have no effect.
	ResponseCacheMaxSize        int `hono:"responseCacheMaxSize"`
	ResponseCacheMinSize        int `hono:"responseCacheMinSize,inert=hono-sim's cache has no initial size"`
	ResponseCacheDefaultTimeout int `hono:"responseCacheDefaultTimeout,inert=hono-sim caches only what the registry's cache_control allows"`
}

// NewClientConfig returns a client block with Hono's defaults.
func NewClientConfig() *ClientConfig {
	return &ClientConfig{
		TLS:                          TLS{SecureProtocols: []string{"TLSv1.2"}},
		Host:                         "localhost",
		Port:                         5671,
		HostnameVerificationRequired: true,
		FlowLatency:                  20,
		InitialCredits:               200,
		RequestTimeout:               200,
		ReconnectAttempts:            -1,
		ResponseCacheMaxSize:         1000,
	}
}

// UsesTLS reports whether the client connects with TLS: tlsEnabled, or a
// trust store configured (ConnectionFactoryImpl).
func (c *ClientConfig) UsesTLS() bool { return c.TLSEnabled || c.TrustStorePath != "" }

// App is hono.app.
type App struct {
	// HealthCheckPort is the health server's port; 0 means none.
	HealthCheckPort        int    `hono:"healthCheckPort"`
	HealthCheckBindAddress string `hono:"healthCheckBindAddress"`
	MaxInstances           int    `hono:"maxInstances"`
	StartupTimeout         int    `hono:"startupTimeout"`
}

// Validation is a token validation block: hono.auth.validation or
// hono.messaging.validation.
type Validation struct {
	// CertPath names a certificate whose public key checks RS256 tokens.
	CertPath string `hono:"certPath"`
	// SharedSecret checks HS256 tokens (at least 32 bytes).
	SharedSecret string `hono:"sharedSecret"`
}

// Signing is a token signing block (SignatureSupportingConfigProperties).
type Signing struct {
	KeyPath      string `hono:"keyPath"`
	CertPath     string `hono:"certPath"`
	SharedSecret string `hono:"sharedSecret"`
	// TokenExpiration is the token lifetime in seconds; default 600.
	TokenExpiration int `hono:"tokenExpiration"`
}

// AuthService is hono.auth.svc of the Auth Server.
type AuthService struct {
	// PermissionsPath is a Spring resource, file:///run/secrets/permissions.json.
	PermissionsPath string  `hono:"permissionsPath"`
	Signing         Signing `hono:"signing"`
}

// FileService is the file-based store of a registry service
// (hono.registry.svc, hono.credentials.svc, hono.tenant.svc).
type FileService struct {
	Filename            string `hono:"filename"`
	SaveToFile          bool   `hono:"saveToFile"`
	ModificationEnabled bool   `hono:"modificationEnabled"`
	StartEmpty          bool   `hono:"startEmpty"`
}

// RegistryService is hono.registry.svc: the device store and the key that
// signs registration assertions.
type RegistryService struct {
	FileService
	// MaxDevicesPerTenant bounds a tenant's devices; registering more is
	// refused with 403. Default 100.
	MaxDevicesPerTenant int     `hono:"maxDevicesPerTenant"`
	Signing             Signing `hono:"signing"`
}
