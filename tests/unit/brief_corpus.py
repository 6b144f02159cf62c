# ruff: noqa: E501, RUF001  (one brief per line, in its own script)
"""Ordinary briefs, as artists write them, with what each plan must have.

Each entry: the brief, its language, and optionally the topic words a line and every prompt
must carry, the named characters in speaking order, the quoted lines spoken verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    brief: str
    language: str = "en"
    topic: tuple[str, ...] = ()  # content words that must be in a line and in every prompt
    characters: tuple[str, ...] = ()  # named speakers, first speaker first
    quoted: tuple[str, ...] = ()
    kind: str = ""


CORPUS: tuple[Case, ...] = (
    # brand films, launches, teasers, announcements
    Case("A 15 second vertical teaser for Instagram Reels about a coffee shop opening on Friday. Upbeat music, friendly female voice.", topic=("coffee", "shop")),
    Case("Create a cinematic 30-sec brand film for Northwind bikes with dramatic lighting and voiceover.", topic=("Northwind", "bikes"), kind="brand"),
    Case("Product launch video about the Aria wireless headphones. 45 seconds, youtube, energetic.", topic=("Aria", "headphones"), kind="launch"),
    Case("A 20 second ad about handmade ceramic mugs. Warm and calm, soft female voice-over.", topic=("ceramic", "mugs")),
    Case("Announcement: our bakery opening on Main Street this Saturday. 15 seconds, vertical.", topic=("bakery",)),
    Case("A teaser about the new season of the Riverside jazz festival. Fast cuts, upbeat music.", topic=("jazz", "festival")),
    Case("Brand film about Solace, a meditation app. Calm, slow pacing, no music, 30 seconds.", topic=("Solace",)),
    Case("Make a 60 second launch film about the Kite 2 electric scooter with a deep male voice.", topic=("Kite", "scooter")),
    Case("An instagram story about a summer sale on linen shirts, 10 seconds, playful.", topic=("summer", "sale")),
    Case("A TV spot about a family-run pizzeria in Naples, 30 seconds, broadcast.", topic=("pizzeria",)),
    # documentaries and explainers
    Case("A calm two minute documentary about glaciers melting, narrated slowly.", topic=("glaciers",), kind="documentary"),
    Case("A 90 second documentary about urban beekeeping on city rooftops, wind sounds.", topic=("beekeeping",), kind="documentary"),
    Case("Documentary short about the last lighthouse keeper of Brittany, moody, 60 seconds.", topic=("lighthouse", "keeper"), kind="documentary"),
    Case("An explainer about how solar panels turn sunlight into electricity, 45 seconds.", topic=("solar", "panels"), kind="explainer"),
    Case("Tutorial video about brewing pour-over coffee at home. 1 minute, friendly voice.", topic=("pour-over", "coffee"), kind="explainer"),
    Case("Explain how vaccines train the immune system, in 40 seconds, clear female narrator.", topic=()),
    # scenes with characters
    Case("Two characters, Mara and Theo, argue about a broken robot in a workshop. 20 seconds. Mara speaks first.", topic=("robot",), characters=("Mara", "Theo"), kind="scene"),
    Case("Two characters, Ines and Paul, talk about a lost cat in a rainy street. Paul speaks first.", topic=("cat",), characters=("Paul", "Ines"), kind="scene"),
    Case("Sam and Lea argue about the last slice of cake in a kitchen. 15 seconds.", topic=("cake",), characters=("Sam", "Lea"), kind="scene"),
    Case("A scene with two characters, Will and May, who talk about a storm at sea. May speaks first.", topic=("storm",), characters=("May", "Will"), kind="scene"),
    Case('Mara says "We open at dawn." Theo says "Then we sleep at the shop."', characters=("Mara", "Theo"), quoted=("We open at dawn.", "Then we sleep at the shop.")),
    # quoted lines, one-liners, long briefs, only directions
    Case('A 20 second spot. Voice-over: "Fresh bread, every morning." Then: "Come in, we are open."', quoted=("Fresh bread, every morning.", "Come in, we are open.")),
    Case("Fresh beans every morning. Taste it today!", topic=("beans",)),
    Case("A short film about an old fisherman mending his nets at sunrise.", topic=("fisherman",)),
    Case("30 seconds, vertical, upbeat music.", topic=()),
    Case("A music video about driving through the desert at night, neon, fast cuts.", topic=("desert",), kind="music_video"),
    Case("A one minute film about a grandmother teaching her grandson to bake bread. The kitchen is warm. Flour hangs in the light. They laugh.", topic=("grandmother",)),
    Case("A 30 second film about recycling in our town, black and white, with subtitles.", topic=("recycling",)),
    # briefs a reviewer wrote: labels before a colon, names after a comma, quotes in a scene, a shop's name
    Case("A 10 second clip: a cat sleeps on a warm windowsill in the sun.", topic=("cat", "windowsill")),
    Case("An 8 second vertical scene: Lena and Marco argue about a lost key in a rainy kitchen. Lena speaks first. Dramatic lighting.", topic=("key",), characters=("Lena", "Marco"), kind="scene"),
    Case('Mara and Theo argue. Theo speaks first. Mara says "Give it back!"', characters=("Theo", "Mara"), quoted=("Give it back!",), kind="scene"),
    Case("A bakery called Pain d'Or opens on Friday. 20 seconds, friendly male voice.", topic=("bakery",)),
    Case("Tell me a story about a dragon who is afraid of the dark.", topic=("dragon",)),
    Case("Deux amis, Julie et Karim, se disputent à propos d'un chocolat dans une cuisine. Karim parle en premier.", language="fr", topic=("chocolat",), characters=("Karim", "Julie"), kind="scene"),
    Case('Anna fragt: „Wo ist der Hund?“ Ben antwortet: „Im Garten.“', language="de", characters=("Anna", "Ben"), quoted=("Wo ist der Hund?", "Im Garten.")),
    Case("Ein Werbespot über Kaffee aus Hamburg, keine Musik, weibliche Stimme.", language="de", topic=("Kaffee",)),
    # other languages with templates
    Case("Un film de 30 secondes sur un boulanger de Lyon qui se lève avant l'aube. Musique douce.", language="fr", topic=("boulanger",)),
    Case("Une publicité de 20 secondes pour une librairie de quartier à Nantes, voix féminine.", language="fr", topic=("librairie",)),
    Case("Un documentaire calme sur les abeilles dans les Alpes, une minute.", language="fr", topic=("abeilles",)),
    Case("Ein 30 Sekunden Film über eine kleine Bäckerei in Berlin. Ruhige Musik.", language="de", topic=("Bäckerei",)),
    Case("Ein Erklärvideo über Wärmepumpen, 45 Sekunden, freundliche Stimme.", language="de", topic=("Wärmepumpen",)),
    Case("Un anuncio de 20 segundos sobre una panadería familiar en Sevilla. Música alegre.", language="es", topic=("panadería",)),
    Case("Un documental sobre los olivos centenarios de Jaén, dos minutos, voz tranquila.", language="es", topic=("olivos",)),
    # languages without templates: their own words, never English filler
    Case("Un video di 30 secondi sulla vendemmia in Toscana. Le mani raccolgono l'uva al tramonto.", language="it"),
    Case("Um filme de 20 segundos sobre o mar de Lisboa. As gaivotas voam sobre o rio.", language="pt"),
    Case("Een film van 30 seconden over fietsen in Amsterdam. De stad wordt wakker.", language="nl"),
    Case("فيلم قصير عن البحر والصيادين في الصباح الباكر. الشمس تشرق على القوارب.", language="ar"),
    Case("सुबह के बाज़ार के बारे में एक छोटी फ़िल्म। लोग ताज़ी सब्ज़ियाँ खरीदते हैं।", language="hi"),
    Case("一部关于城市夜晚的短片。街灯一盏一盏亮起来。", language="zh"),
    Case("夜の東京についての短い映画。雨の中を人々が歩く。", language="ja"),
    Case("Короткий фильм о зимнем лесе. Снег тихо падает на ели.", language="ru"),
)  # fmt: skip
