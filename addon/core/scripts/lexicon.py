# ruff: noqa: E501  (data: word lists in several scripts)
"""Words the brief analysis looks for, per language: data, kept apart from the rules that use it.

Small on purpose: enough to tell what a brief asks for in the languages Storyloom writes scripts
in (en, fr, de, es) and to keep stage directions out of the spoken lines in the others.
"""

from __future__ import annotations

# Frequent function words: the Latin-script language with most hits is the brief's language.
STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and a an of to is in with for about on that it this are be by from at".split()),
    "fr": frozenset("le la les et un une des du de est pour avec sur dans qui ce au aux en".split()),
    "de": frozenset("der die das und ein eine ist mit für über auf im nicht zu den dem des".split()),
    "es": frozenset("el la los las y un una de del es para con sobre en que por al".split()),
    "it": frozenset("il lo la gli le e un una di del è per con su che della dei nel".split()),
    "pt": frozenset("o a os as e um uma de do da é para com sobre em que não dos das".split()),
    "nl": frozenset("de het een en van is voor met over op dat niet die in te".split()),
}
# Scripts that name their language by themselves (first match wins: kana before kanji).
SCRIPTS: tuple[tuple[str, str], ...] = (
    ("ja", "\u3040-\u30ff"),
    ("zh", "\u4e00-\u9fff"),
    ("ar", "\u0600-\u06ff"),
    ("hi", "\u0900-\u097f"),
    ("ru", "\u0400-\u04ff"),
)
# espeak-ng voice per language (Mandarin is "cmn" there).
ESPEAK_VOICES = {"zh": "cmn"}
# Languages written right to left. Blender's text strip neither reorders nor joins them: titles
# and captions are stored in visual order (core/captions.visual_order).
RTL = frozenset({"ar"})

# Units of time, any supported language -> seconds per unit.
TIME_UNITS: dict[str, float] = {
    **dict.fromkeys(
        "s sec secs second seconds seconde secondes sekunde sekunden segundo segundos".split(), 1.0
    ),
    **dict.fromkeys("secondo secondi seconden секунд секунды секунду 秒 ثانية ثوان सेकंड".split(), 1.0),
    **dict.fromkeys(
        "m min mins minute minutes minuten minuto minutos minuti minuut минут минуты".split(), 60.0
    ),
    **dict.fromkeys("分 دقيقة दक़ीक़ा मिनट".split(), 60.0),
    **dict.fromkeys("h hr hrs hour hours heure heures stunde stunden hora horas ora ore uur".split(), 3600.0),
}
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10, "twelve": 12,
    "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45, "sixty": 60, "ninety": 90,
    "un": 1, "une": 1, "deux": 2, "trois": 3, "cinq": 5, "dix": 10, "quinze": 15, "vingt": 20, "trente": 30,
    "eine": 1, "zwei": 2, "drei": 3, "fünf": 5, "zehn": 10, "fünfzehn": 15, "zwanzig": 20, "dreißig": 30,
    "uno": 1, "dos": 2, "tres": 3, "cinco": 5, "diez": 10, "quince": 15, "veinte": 20, "treinta": 30,
}  # fmt: skip

# Words that make a sentence a stage direction (about the film, not in it), any language.
DIRECTION_WORDS = frozenset(
    """
    music musique musik música musica muziek музыка музыкой موسيقى संगीत 音乐 音楽 soundtrack
    voice voices voix stimme voz voce stem голос голосом صوت आवाज़ 声音 配音 ナレーション voiceover voice-over
    narration narrated narrator narrate narrateur sprecher narrador sounds sfx ambience ambient
    vertical horizontal widescreen instagram reels reel tiktok youtube shorts broadcast ott prores
    16:9 9:16 1:1 4k 1080p aspect resolution
    seconds secs minutes secondes minuten sekunden segundos minutos secondi seconden секунд ثانية सेकंड 秒
    lighting monochrome grading tempo pacing fast-paced slow-paced subtitles captions
    """.split()
)
# Phrases that are directions even though their words also occur in content.
DIRECTION_PHRASES = (
    "no music", "upbeat music", "calm music", "ambient music", "dramatic lighting", "black and white",
    "fast cuts", "quick cuts", "slow cuts", "speaks first", "speak first", "talks first", "goes first",
    "female voice", "male voice", "deep voice", "friendly voice", "narrated slowly", "narrated fast",
    "with subtitles", "no subtitles", "call to action",
)  # fmt: skip

# Kinds of film and the words that name them.
KINDS: dict[str, tuple[str, ...]] = {
    "documentary": ("documentary", "documentaire", "dokumentarfilm", "doku", "documental", "documentario"),
    "explainer": ("explainer", "tutorial", "how-to", "how to", "explains", "explain", "tutoriel", "erklärvideo"),
    "launch": ("launch", "product launch", "unveil", "lancement", "markteinführung", "lanzamiento"),
    "teaser": ("teaser", "trailer", " ad ", "advert", "commercial", "promo", "spot", "bande-annonce", "anuncio"),
    "announcement": ("announcement", "announce", "opening", "grand opening", "event", "annonce", "ouverture",
                     "eröffnung", "apertura", "inauguración"),
    "music_video": ("music video", "clip musical", "musikvideo", "videoclip"),
    "brand": ("brand film", "brand", "marque", "marke", "marca"),
    "scene": ("scene", "story", "argue", "argument", "conversation", "dialogue", "dialog", "talk", "histoire"),
}  # fmt: skip
FILM_WORDS = frozenset(
    "film video movie clip spot ad teaser trailer documentary explainer tutorial story reel short launch "
    "commercial promo announcement vidéo histoire documentaire publicité annonce geschichte werbespot "
    "werbefilm película vídeo historia anuncio publicidad pubblicità فيلم фильм फ़िल्म 短片 影片 电影 映画 動画".split()
)

# Voice words -> espeak variant family and style.
FEMALE_WORDS = frozenset(
    "female woman woman's girl she her lady femme féminine feminine weiblich weibliche weiblicher frau "
    "mujer femenina femenino femminile donna".split()
)
MALE_WORDS = frozenset(
    "male man man's boy he his guy homme masculine masculin männlich männliche männlicher mann "
    "hombre masculina masculino maschile uomo".split()
)
VOICE_STYLES = {
    "slowly": "slow", "slow": "slow", "calm": "calm", "calmly": "calm", "soft": "soft", "softly": "soft",
    "whisper": "whisper", "whispered": "whisper", "friendly": "warm", "warm": "warm", "excited": "excited",
    "energetic": "excited", "fast": "fast", "quickly": "fast",
    "lentement": "slow", "langsam": "slow", "lentamente": "slow", "calme": "calm", "ruhig": "calm",
    "ruhige": "calm", "tranquila": "calm", "tranquilo": "calm", "calma": "calm", "douce": "soft",
    "doux": "soft", "sanft": "soft", "sanfte": "soft", "suave": "soft", "freundlich": "warm",
    "freundliche": "warm", "chaleureuse": "warm", "chaleureux": "warm", "cálida": "warm", "amable": "warm",
}  # fmt: skip
# Things the sound layer can add as ambience cues.
SOUND_WORDS = (
    "wind",
    "rain",
    "ocean",
    "waves",
    "birds",
    "city",
    "traffic",
    "crowd",
    "fire",
    "thunder",
    "forest",
)
LOOK_WORDS = {
    "black and white": "black and white",
    "monochrome": "black and white",
    "dramatic lighting": "dramatic lighting",
    "golden hour": "golden hour light",
    "neon": "neon light",
    "pastel": "pastel colours",
    "vintage": "vintage film look",
    "moody": "moody low-key light",
}
# Words that start a sentence telling the director what to make, not what to say.
IMPERATIVES = (
    "create", "make", "produce", "generate", "build", "design", "write", "give", "render", "craft", "show",
    "crée", "créer", "fais", "faites", "réalise", "erstelle", "mach", "mache", "crea", "haz", "realiza",
)  # fmt: skip
# Words that look like names at a sentence start but are not characters.
NOT_NAMES = frozenset(
    """
    A An The This That These Those It Its Two Three Four One Some Every Each Our Your My His Her Their
    Make Create Produce Show Music Voice Upbeat Calm Friendly Slow Fast Then When While After Before
    Le La Les Un Une Des Der Die Das Ein Eine El Los Las Una Il Lo Gli Instagram YouTube TikTok Reels
    Friday Monday Tuesday Wednesday Thursday Saturday Sunday January February March April June July August
    September October November December Black White Narrator Voiceover Voice-over Voice VO Then Announcement
    """.split()
)
