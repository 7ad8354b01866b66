module github.com/gatewaykit/gateway/internal/interop

go 1.26

replace github.com/gatewaykit/gateway => ../..

require (
	github.com/bwmarrin/discordgo v0.28.1
	github.com/gatewaykit/gateway v0.0.0-00010101000000-000000000000
)

require (
	github.com/gobwas/httphead v0.1.0 // indirect
	github.com/gobwas/ws v1.5.0 // indirect
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/klauspost/compress v1.20.3 // indirect
	golang.org/x/crypto v0.32.0 // indirect
	golang.org/x/sys v0.29.0 // indirect
)
