package gatewaytest

// The vocabulary the traffic generator draws text from. The lists mix plain
// ASCII, multi-byte UTF-8 (accents, CJK, RTL scripts, emoji with skin tones
// and ZWJ sequences) and strings that JSON must escape (quotes, backslashes,
// control characters), so a client's decoder meets all of them.

// chatWords are ordinary chat words: most of a message's content.
var chatWords = []string{
	"the", "a", "is", "it", "to", "and", "of", "you", "i", "that", "this", "for", "on", "with", "was",
	"just", "so", "like", "lol", "yeah", "no", "what", "why", "how", "when", "anyone", "know", "think",
	"good", "bad", "great", "nice", "cool", "thanks", "please", "help", "need", "want", "got", "get",
	"server", "bot", "game", "play", "playing", "stream", "tonight", "tomorrow", "today", "later",
	"update", "patch", "bug", "fixed", "broken", "works", "working", "again", "still", "maybe",
	"really", "pretty", "very", "much", "more", "less", "time", "day", "week", "people", "everyone",
	"someone", "here", "there", "now", "then", "did", "does", "do", "can", "can't", "won't", "don't",
	"I'm", "it's", "that's", "let's", "gonna", "wanna", "idk", "imo", "tbh", "btw", "gg", "wp",
	"ranked", "queue", "match", "win", "lost", "team", "mod", "admin", "role", "channel", "voice",
	"music", "song", "album", "movie", "anime", "episode", "art", "drawing", "code", "commit",
	"deploy", "release", "version", "docs", "question", "answer", "issue", "thread", "pinned",
	"event", "party", "birthday", "congrats", "welcome", "hello", "hi", "hey", "bye", "night",
	"morning", "coffee", "pizza", "cat", "dog", "meme", "screenshot", "link", "check", "out",
	"new", "old", "first", "last", "best", "worst", "ever", "never", "always", "sometimes",
}

// fancyWords are words outside ASCII, to exercise UTF-8 handling.
var fancyWords = []string{
	"café", "naïve", "Straße", "façade", "jalapeño", "Ünïcödé", "crème brûlée",
	"привет", "спасибо", "日本語", "こんにちは", "ありがとう", "你好", "谢谢", "안녕하세요",
	"مرحبا", "שלום", "γεια σου", "नमस्ते", "สวัสดี", "𝓯𝓪𝓷𝓬𝔂", "ẓ̵̛a̷l̸g̶o̵", "½", "€20", "±3°C",
}

// sampleEmojis are emoji as Discord sends them in content and reactions: single
// code points, variation selectors, skin tones, flags and ZWJ sequences.
var sampleEmojis = []string{
	"🔥", "😂", "👍", "🎉", "❤️", "👀", "💀", "🙏", "😭", "✨", "🥺", "👍🏽", "🇯🇵", "👨‍👩‍👧", "🤖", "✅", "⭐", "🫡",
}

// escapeWords need JSON escaping: quotes, backslashes and control
// characters.
var escapeWords = []string{
	`"quoted"`, `C:\Users\bot\config.json`, "tab\tseparated", "line\nbreak", "carriage\r\nreturn",
	`<script>alert("x")</script>`, "a&b<c>d", `back\slash`, "bell\u0007", `{"json":true}`, `¯\_(ツ)_/¯`,
	"nul\u0000byte", "\u2028separator",
}

// customEmojiNames name guild emojis.
var customEmojiNames = []string{
	"pepe_laugh", "kekw", "catjam", "blobwave", "party_parrot", "thonk", "pog", "sadge", "ez",
	"monkaS", "peepoHappy", "ablobcatheart", "shrug_dog", "hype", "salute", "nod", "pain", "copium",
}

// textChannelNames name text channels.
var textChannelNames = []string{
	"general", "off-topic", "memes", "help", "dev-chat", "bot-commands", "art", "music", "gaming",
	"introductions", "media", "support", "feedback", "suggestions", "💬・chat", "🎮-gaming",
	"🎵-music", "showcase", "events", "random", "questions", "résumé-review", "日本語-chat", "lfg",
	"clips", "pets", "food", "tech", "homework-help", "self-promo",
}

// voiceChannelNames name voice and stage channels.
var voiceChannelNames = []string{
	"General", "Gaming", "Music", "AFK", "Lounge", "Study Room", "🎧 Chill", "Squad 1", "Squad 2",
	"Movie Night", "Podcast",
}

// categoryNames name channel categories.
var categoryNames = []string{
	"Text Channels", "Voice Channels", "INFO", "COMMUNITY", "📚 Resources", "GAMES", "Staff", "Archive",
}

// roleNames name roles.
var roleNames = []string{
	"Admin", "Moderator", "Member", "VIP", "Server Booster", "Muted", "Bots", "Helper", "Event Team",
	"Artist", "Developer", "Level 10", "Level 25", "Level 50", "🌟 Star", "Verified", "Red", "Blue",
	"Green", "he/him", "she/her", "they/them", "EU", "NA", "Asia", "Announcements Ping", "Giveaways",
}

// guildAdjectives and guildNouns build guild names.
var guildAdjectives = []string{
	"Cozy", "Midnight", "Pixel", "Retro", "Cosmic", "Lo-fi", "Open Source", "Anime", "Gaming", "Study",
	"Café", "Nordic", "東京", "Night Owl", "Chaotic", `The "Best"`,
}
var guildNouns = []string{
	"Lounge", "Hub", "Community", "Club", "Den", "Collective", "Server", "Guild", "Hangout",
	"Society", "Corner", "Realm",
}

// nameSyllables build usernames.
var nameSyllables = []string{
	"ka", "zu", "mi", "ro", "ta", "shi", "lo", "ne", "vy", "ex", "dr", "ag", "on", "fi", "re", "qu",
	"ix", "el", "ar", "os", "bit", "max", "neo", "kai", "sky",
}

// displayNames are global names and nicknames, some with unicode and some
// needing escapes.
var displayNames = []string{
	"Alex", "Sam", "Jordan", "Mika", "Noah", "Léa", "Zoë", "Björn", "Søren", "Ана", "太郎", "민수",
	"✨ Star ✨", "Dr. \"Quote\"", `Back\Slash`, "ℭ𝔬𝔬𝔩", "Mason", "Emma", "Kenji", "Priya", "Omar",
	"Chloé", "🐱 cat", "Ghost", "Nova", "Ash", "Rin", "Yuki",
}

// gameNames are activity names.
var gameNames = []string{
	"Minecraft", "League of Legends", "VALORANT", "Fortnite", "Counter-Strike 2", "Visual Studio Code",
	"Genshin Impact", "Stardew Valley", "ELDEN RING", "osu!", "Rocket League", "Apex Legends",
	"Baldur's Gate 3", "Roblox", "Terraria", "Factorio",
}

// spotifySongs and spotifyArtists fill Spotify activities.
var spotifySongs = []string{"Blinding Lights", "Levitating", "Bohemian Rhapsody", "夜に駆ける", "Despacito", "Clair de Lune", "Shape of You", "Gurenge"}
var spotifyArtists = []string{"The Weeknd", "Dua Lipa", "Queen", "YOASOBI", "Luis Fonsi; Daddy Yankee", "Claude Debussy", "Ed Sheeran", "LiSA"}

// customStatuses are custom status texts.
var customStatuses = []string{"busy coding", "brb", "🌙 sleeping", "do not disturb pls", "grinding ranked", "on vacation ✈️", "\"working\"", "studying 📚"}

// slashCommands name application commands used in interactions.
var slashCommands = []string{"ping", "help", "play", "rank", "ban", "kick", "poll", "remind", "weather", "translate", "stats", "avatar"}

// sampleLocales are user and guild locales.
var sampleLocales = []string{"en-US", "en-GB", "de", "fr", "ja", "pt-BR", "es-ES", "ko", "ru", "pl", "tr", "zh-CN"}

// sampleLinks are URLs put in content and embeds; some carry characters that
// need care (& in a query).
var sampleLinks = []string{
	"https://github.com/gatewaykit/gateway",
	"https://youtu.be/dQw4w9WgXcQ",
	"https://en.wikipedia.org/wiki/Snowflake_ID",
	"https://example.com/search?q=discord&lang=en",
	"https://store.steampowered.com/app/413150/Stardew_Valley/",
	"https://twitter.com/discord/status/1234567890",
}

// embedTitles and embedDescriptions fill embeds.
var embedTitles = []string{"gatewaykit/gateway", "Rick Astley - Never Gonna Give You Up", "Snowflake ID", "Search results", "Stardew Valley on Steam", "Discord (@discord)", "Patch notes 1.2.3", "Weekly \"Update\""}
var embedDescriptions = []string{
	"A Go library that runs Discord gateway shards correctly and fast.",
	"The official video for “Never Gonna Give You Up” by Rick Astley.",
	"Snowflake IDs are a form of unique identifier used in distributed computing.",
	"You've inherited your grandfather's old farm plot in Stardew Valley. Armed with hand-me-down tools and a few coins…",
	"Line one\nLine two with **markdown** and `code`\n> quoted ✨",
	"Results for \"discord\" — 1,234 matches.",
}

// attachmentNames are attachment names.
var attachmentNames = []string{"image.png", "screenshot_2026.png", "clip.mp4", "report.pdf", "meme.gif", "写真.jpg", "notes.txt", "log (1).txt"}
var attachmentTypes = []string{"image/png", "image/png", "video/mp4", "application/pdf", "image/gif", "image/jpeg", "text/plain; charset=utf-8", "text/plain; charset=utf-8"}

// inviteAlphabet spells invite codes.
const inviteAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
