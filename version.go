package gateway

// Version is this module's release number, the latest released version in
// CHANGELOG.md. gatewayutil's REST User-Agent is built from it, as Discord
// asks ("DiscordBot ($url, $versionNumber)", docs/protocol.md §1.1).
const Version = "0.1.0"
