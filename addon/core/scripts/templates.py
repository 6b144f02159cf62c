# ruff: noqa: E501  (data: one line per template keeps the languages side by side)
"""Script templates: a structure per kind of film, and its lines in each scripted language.

``{topic}`` is the film's subject as the brief names it ("a broken robot"), ``{Topic}`` the same
at the start of a sentence; in scenes ``{b}`` is the one spoken to. Each role has
variants: a brief's seed picks among them, so one brief can be scripted more than one way.
"""

from __future__ import annotations

# kind -> the roles its lines play, in order (the first opens, the last closes the film).
STRUCTURES: dict[str, tuple[str, ...]] = {
    "story": ("establishing", "detail", "context", "reflection"),
    "brand": ("hook", "problem", "product", "proof", "call"),
    "launch": ("hook", "problem", "product", "proof", "call"),
    "teaser": ("hook", "tease", "product", "call"),
    "announcement": ("news", "details", "invite"),
    "documentary": ("establishing", "context", "detail", "consequence", "reflection"),
    "explainer": ("question", "idea", "steps", "recap", "close"),
    "music_video": ("hook", "call"),
    "scene": ("inciting", "reply", "push", "counter", "turn", "resolution"),
}
# A role's shot framing: where a structure opens wide, looks close, and ends.
FRAMING = {
    "hook": "wide establishing shot",
    "establishing": "wide establishing shot",
    "question": "medium shot",
    "inciting": "medium two-shot",
    "detail": "close-up",
    "details": "close-up",
    "product": "close-up",
    "steps": "close-up",
    "push": "close-up",
    "counter": "close-up",
    "call": "wide shot",
    "reflection": "wide shot",
    "resolution": "medium two-shot",
    "close": "wide shot",
}
DEFAULT_FRAMING = "medium shot"

LINES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "hook": ("Some things are worth doing properly.", "It starts with {topic}."),
        "problem": ("Most days, nobody stops to think about {topic}.", "We all know the usual way. It isn't enough."),
        "product": ("Enter {topic}.", "Say hello to {topic}."),
        "proof": ("People who try {topic} keep coming back.", "Every detail of {topic} is made with care."),
        "call": ("{Topic}. See it for yourself.", "{Topic}. Be part of it."),
        "tease": ("Something new is on its way.", "You have never seen {topic} like this."),
        "news": ("Big news: {topic}.", "It is happening: {topic}."),
        "details": ("Bring a friend, and come early.", "Everyone is welcome."),
        "invite": ("{Topic}. We can't wait to see you.", "{Topic}. See you there."),
        "establishing": ("This film is about {topic}.", "Look closely: {topic}."),
        "context": ("For a long time, few people paid attention to {topic}.", "{Topic} has a longer story than it seems."),
        "detail": ("Up close, {topic} tells a slower, stranger story.", "The smallest details matter most here."),
        "consequence": ("What happens here does not stay here.", "Nothing about {topic} stands still."),
        "reflection": ("{Topic} asks us to look again, and longer.", "In the end, {topic} is about all of us."),
        "question": ("Let's take a closer look at {topic}.", "Here is a quick look at {topic}."),
        "idea": ("It starts with one simple idea.", "The idea behind {topic} is simple."),
        "steps": ("Step by step, it all comes together.", "First the basics, then the details."),
        "recap": ("So here is what to remember.", "Three things matter: clarity, care and practice."),
        "close": ("And that is {topic}, in a nutshell.", "Now you know more about {topic}."),
        "inciting": ("{b}, we need to talk about {topic}.", "{b}, have you seen {topic}?"),
        "reply": ("Not now, {b}. I know what you are going to say.", "Why is it always my fault, {b}?"),
        "push": ("You always say that, and {topic} is still our problem.", "Because you were there, and now look at {topic}."),
        "counter": ("Then stop arguing and help me, {b}.", "Fine. Then show me what you would do."),
        "turn": ("Wait. Listen. Do you hear that?", "Hold on. Maybe we are both right."),
        "resolution": ("All right, {b}. Let's deal with {topic} together.", "Together, then. {Topic} can't wait."),
    },
    "fr": {
        "hook": ("Certaines choses méritent d'être bien faites.", "Tout commence avec {topic}."),
        "problem": ("Chaque jour, personne ne pense vraiment à {topic}.", "On connaît tous l'habitude. Elle ne suffit plus."),
        "product": ("Voici {topic}.", "Place à {topic}."),
        "proof": ("Ceux qui découvrent {topic} reviennent toujours.", "Chaque détail de {topic} est soigné."),
        "call": ("{Topic}. Venez voir par vous-même.", "{Topic}. Rejoignez-nous."),
        "tease": ("Quelque chose de nouveau arrive.", "Vous n'avez jamais vu {topic} comme ça."),
        "news": ("Grande nouvelle : {topic}.", "C'est officiel : {topic}."),
        "details": ("Venez avec vos amis, et venez tôt.", "Tout le monde est bienvenu."),
        "invite": ("{Topic}. On vous attend.", "{Topic}. À très vite."),
        "establishing": ("Voici {topic}.", "Regardez de près {topic}."),
        "context": ("Longtemps, peu de gens ont prêté attention à {topic}.", "{Topic} a une histoire plus longue qu'il n'y paraît."),
        "detail": ("De près, {topic} raconte une autre histoire.", "Ici, les plus petits détails comptent le plus."),
        "consequence": ("Ce qui se passe ici ne reste pas ici.", "Rien ne reste immobile autour de {topic}."),
        "reflection": ("{Topic} nous invite à regarder encore.", "Au fond, {topic} nous concerne tous."),
        "question": ("Regardons de plus près {topic}.", "Un coup d'œil rapide sur {topic}."),
        "idea": ("Tout part d'une idée simple.", "L'idée derrière {topic} est simple."),
        "steps": ("Étape par étape, tout se met en place.", "D'abord les bases, puis les détails."),
        "recap": ("Voici ce qu'il faut retenir.", "Trois choses comptent : la clarté, le soin et la pratique."),
        "close": ("Et voilà {topic}, en bref.", "Vous en savez maintenant plus sur {topic}."),
        "inciting": ("{b}, il faut qu'on parle de {topic}.", "{b}, tu as vu {topic} ?"),
        "reply": ("Pas maintenant, {b}. Je sais ce que tu vas dire.", "Pourquoi c'est toujours ma faute, {b} ?"),
        "push": ("Tu dis toujours ça, et {topic} reste notre problème.", "Parce que tu étais là, et regarde {topic} maintenant."),
        "counter": ("Alors arrête de discuter et aide-moi, {b}.", "Très bien. Montre-moi ce que tu ferais."),
        "turn": ("Attends. Écoute. Tu entends ça ?", "Attends. On a peut-être raison tous les deux."),
        "resolution": ("D'accord, {b}. On s'occupe de {topic} ensemble.", "Ensemble, alors. {Topic} n'attendra pas."),
    },
    "de": {
        "hook": ("Manche Dinge verdienen es, richtig gemacht zu werden.", "Alles beginnt mit {topic}."),
        "problem": ("Im Alltag denkt kaum jemand an {topic}.", "Wir kennen alle den üblichen Weg. Er reicht nicht."),
        "product": ("Das ist {topic}.", "Bühne frei für {topic}."),
        "proof": ("Wer {topic} einmal erlebt, kommt wieder.", "Jedes Detail von {topic} ist mit Sorgfalt gemacht."),
        "call": ("{Topic}. Überzeugen Sie sich selbst.", "{Topic}. Seien Sie dabei."),
        "tease": ("Etwas Neues ist unterwegs.", "So haben Sie {topic} noch nie gesehen."),
        "news": ("Große Neuigkeiten: {topic}.", "Es ist so weit: {topic}."),
        "details": ("Bringen Sie Freunde mit und kommen Sie früh.", "Alle sind willkommen."),
        "invite": ("{Topic}. Wir freuen uns auf Sie.", "{Topic}. Bis bald."),
        "establishing": ("Das ist {topic}.", "Sehen Sie genau hin: {topic}."),
        "context": ("Lange hat kaum jemand auf {topic} geachtet.", "{Topic} hat eine längere Geschichte, als man denkt."),
        "detail": ("Aus der Nähe erzählt {topic} eine andere Geschichte.", "Hier zählen die kleinsten Details am meisten."),
        "consequence": ("Was hier geschieht, bleibt nicht hier.", "Rund um {topic} steht nichts still."),
        "reflection": ("{Topic} lädt uns ein, noch einmal hinzusehen.", "Am Ende geht {topic} uns alle an."),
        "question": ("Sehen wir uns {topic} genauer an.", "Ein kurzer Blick auf {topic}."),
        "idea": ("Alles beginnt mit einer einfachen Idee.", "Die Idee hinter {topic} ist einfach."),
        "steps": ("Schritt für Schritt fügt sich alles zusammen.", "Erst die Grundlagen, dann die Details."),
        "recap": ("Das sollten Sie sich merken.", "Drei Dinge zählen: Klarheit, Sorgfalt und Übung."),
        "close": ("Das war {topic}, kurz erklärt.", "Jetzt wissen Sie mehr über {topic}."),
        "inciting": ("{b}, wir müssen über {topic} reden.", "{b}, hast du {topic} gesehen?"),
        "reply": ("Nicht jetzt, {b}. Ich weiß, was du sagen willst.", "Warum bin immer ich schuld, {b}?"),
        "push": ("Das sagst du immer, und {topic} bleibt unser Problem.", "Weil du dabei warst, und jetzt sieh dir {topic} an."),
        "counter": ("Dann hör auf zu streiten und hilf mir, {b}.", "Gut. Dann zeig mir, was du tun würdest."),
        "turn": ("Warte. Hörst du das?", "Moment. Vielleicht haben wir beide recht."),
        "resolution": ("Gut, {b}. Wir kümmern uns gemeinsam um {topic}.", "Also zusammen. {Topic} wartet nicht."),
    },
    "es": {
        "hook": ("Hay cosas que merecen hacerse bien.", "Todo empieza con {topic}."),
        "problem": ("Cada día, casi nadie piensa en {topic}.", "Todos conocemos la costumbre. Ya no basta."),
        "product": ("Te presentamos {topic}.", "Llega {topic}."),
        "proof": ("Quien prueba {topic}, siempre vuelve.", "Cada detalle de {topic} está hecho con cuidado."),
        "call": ("{Topic}. Compruébalo tú mismo.", "{Topic}. Forma parte de ello."),
        "tease": ("Algo nuevo está en camino.", "Nunca has visto {topic} así."),
        "news": ("Gran noticia: {topic}.", "Ya es oficial: {topic}."),
        "details": ("Trae a tus amigos y llega temprano.", "Todos son bienvenidos."),
        "invite": ("{Topic}. Te esperamos.", "{Topic}. Nos vemos allí."),
        "establishing": ("Esto es {topic}.", "Mira de cerca {topic}."),
        "context": ("Durante mucho tiempo, pocos prestaron atención a {topic}.", "{Topic} tiene una historia más larga de lo que parece."),
        "detail": ("De cerca, {topic} cuenta otra historia.", "Aquí, los detalles más pequeños son los que importan."),
        "consequence": ("Lo que pasa aquí no se queda aquí.", "Nada se queda quieto alrededor de {topic}."),
        "reflection": ("{Topic} nos invita a mirar otra vez.", "Al final, {topic} nos concierne a todos."),
        "question": ("Veamos de cerca {topic}.", "Un vistazo rápido a {topic}."),
        "idea": ("Todo empieza con una idea sencilla.", "La idea detrás de {topic} es sencilla."),
        "steps": ("Paso a paso, todo encaja.", "Primero lo básico, luego los detalles."),
        "recap": ("Esto es lo que hay que recordar.", "Tres cosas importan: claridad, cuidado y práctica."),
        "close": ("Y eso es {topic}, en pocas palabras.", "Ahora sabes más sobre {topic}."),
        "inciting": ("{b}, tenemos que hablar de {topic}.", "{b}, ¿has visto {topic}?"),
        "reply": ("Ahora no, {b}. Sé lo que vas a decir.", "¿Por qué siempre es culpa mía, {b}?"),
        "push": ("Siempre dices eso, y {topic} sigue siendo nuestro problema.", "Porque estabas allí, y ahora mira {topic}."),
        "counter": ("Entonces deja de discutir y ayúdame, {b}.", "Bien. Enséñame qué harías tú."),
        "turn": ("Espera. Escucha. ¿Oyes eso?", "Un momento. Quizá los dos tenemos razón."),
        "resolution": ("Está bien, {b}. Nos ocupamos de {topic} juntos.", "Juntos, entonces. {Topic} no puede esperar."),
    },
}  # fmt: skip
# What a film about nothing in particular is about, per language (a brief of only directions).
FALLBACK_TOPIC = {
    "en": "what we make",
    "fr": "ce que nous faisons",
    "de": "was wir machen",
    "es": "lo que hacemos",
}
# What two characters argue about when the brief names nothing: "it", which every line can carry.
SCENE_TOPIC = {"en": "it", "fr": "ça", "de": "das", "es": "eso"}
# What its pictures show then, by kind (prompts are written in English for the image models).
FALLBACK_PICTURE = {
    "documentary": "a wide quiet landscape",
    "explainer": "a clean desk with simple objects",
    "scene": "two people talking",
    "music_video": "a musician on a lit stage",
}
DEFAULT_PICTURE = "a signature product on a clean set"
