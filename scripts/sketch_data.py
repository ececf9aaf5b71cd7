"""The sketch model's training data: emoji subjects composed on named backgrounds, with captions.

Shared by scripts/train_sketch.py (which trains on it) and bench/sketch_quality.py (which draws
its held-out prompts and its reference renders from it). Everything is made offline from Debian's
``fonts-noto-color-emoji`` (the font under the SIL Open Font License 1.1, its artwork under
Apache-2.0): Pillow draws each subject once at size 109 (the font's bitmap size), and a sample is
that subject, perhaps hue-shifted to a colour word, scaled and placed on a background, at the
model's working size (32x32: the model draws at a quarter of the output size).

A caption follows the prompt skeleton: "a red athletic shoe, on a green background, on the left,
close-up, flat colours". Some (subject, background, position) combinations never appear in
training (``held_out``): the benchmark asks for those.
"""

from __future__ import annotations

import hashlib
import random
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
FONT_SIZE = 109
SIZE = 32  # the model's working size; the pipeline's images are 4x this

# Unicode names of the subjects, by kind. A name the font or Python's Unicode tables lack is skipped.
KINDS = {
    "shoes and clothes": """ATHLETIC SHOE; HIKING BOOT; MANS SHOE; HIGH-HEELED SHOE; WOMANS SANDAL; WOMANS BOOTS;
        BALLET SHOES; FLAT SHOE; THONG SANDAL; SOCKS; T-SHIRT; JEANS; DRESS; BILLED CAP; TOP HAT; HANDBAG;
        SCHOOL SATCHEL; NECKTIE; GLOVES; SCARF; COAT; BIKINI; KIMONO; CROWN; WATCH; MOBILE PHONE;
        PERSONAL COMPUTER; CAMERA; HEADPHONE; GUITAR; ELECTRIC LIGHT BULB; CLOSED UMBRELLA; ALARM CLOCK;
        HOURGLASS WITH FLOWING SAND; SOCCER BALL; BASKETBALL AND HOOP; TENNIS RACQUET AND BALL; BALLOON;
        WRAPPED PRESENT; TEDDY BEAR; CANDLE; KEY; HAMMER; SCISSORS; BOOKS; PENCIL; PAINTBRUSH""",
    "animals": """DOG FACE; DOG; CAT FACE; CAT; MOUSE FACE; HAMSTER FACE; RABBIT FACE; FOX FACE; BEAR FACE;
        PANDA FACE; KOALA; TIGER FACE; LION FACE; COW FACE; PIG FACE; FROG FACE; MONKEY FACE; CHICKEN;
        PENGUIN; BIRD; BABY CHICK; DUCK; EAGLE; OWL; BAT; WOLF FACE; BOAR; HORSE FACE; UNICORN FACE;
        HONEYBEE; BUTTERFLY; SNAIL; LADY BEETLE; TURTLE; SNAKE; LIZARD; OCTOPUS; SQUID; SHRIMP; CRAB;
        TROPICAL FISH; FISH; BLOWFISH; DOLPHIN; SPOUTING WHALE; SHARK; CROCODILE; LEOPARD; ZEBRA FACE;
        GORILLA; ELEPHANT; HIPPOPOTAMUS; RHINOCEROS; GIRAFFE FACE; DROMEDARY CAMEL; KANGAROO; WATER BUFFALO;
        RAM; SHEEP; GOAT; LLAMA; POODLE; ROOSTER; TURKEY; PEACOCK; PARROT; FLAMINGO; SWAN; HEDGEHOG;
        CHIPMUNK; SLOTH; OTTER; SKUNK; BADGER; DEER; RACCOON; BISON; BEAVER; SEAL; SPIDER; SCORPION""",
    "food": """GREEN APPLE; RED APPLE; PEAR; TANGERINE; LEMON; BANANA; WATERMELON; GRAPES; STRAWBERRY; MELON;
        CHERRIES; PEACH; MANGO; PINEAPPLE; COCONUT; KIWIFRUIT; TOMATO; AUBERGINE; AVOCADO; BROCCOLI;
        LEAFY GREEN; CUCUMBER; HOT PEPPER; EAR OF MAIZE; CARROT; GARLIC; ONION; POTATO; CROISSANT; BREAD;
        BAGUETTE BREAD; PRETZEL; CHEESE WEDGE; EGG; COOKING; PANCAKES; BACON; POULTRY LEG; MEAT ON BONE;
        HAMBURGER; FRENCH FRIES; SLICE OF PIZZA; HOT DOG; SANDWICH; TACO; BURRITO; GREEN SALAD; POPCORN;
        SUSHI; RICE BALL; STEAMING BOWL; SPAGHETTI; SHORTCAKE; BIRTHDAY CAKE; CUPCAKE; PIE; CHOCOLATE BAR;
        CANDY; LOLLIPOP; DOUGHNUT; COOKIE; SOFT ICE CREAM; ICE CREAM; HONEY POT; PEANUTS; CHESTNUT;
        MUSHROOM; BLUEBERRIES; OLIVE; BELL PEPPER; DUMPLING""",
    "cups and bottles": """HOT BEVERAGE; TEACUP WITHOUT HANDLE; BABY BOTTLE; GLASS OF MILK; BOTTLE WITH POPPING CORK;
        WINE GLASS; COCKTAIL GLASS; TROPICAL DRINK; BEER MUG; TUMBLER GLASS; CUP WITH STRAW; BUBBLE TEA;
        BEVERAGE BOX; MATE DRINK; TEAPOT; AMPHORA; JAR; SAKE BOTTLE AND CUP""",
    "buildings": """HOUSE BUILDING; HOUSE WITH GARDEN; OFFICE BUILDING; EUROPEAN POST OFFICE; HOSPITAL; BANK;
        HOTEL; CONVENIENCE STORE; SCHOOL; DEPARTMENT STORE; FACTORY; JAPANESE CASTLE; EUROPEAN CASTLE;
        TOKYO TOWER; STATUE OF LIBERTY; CHURCH; MOSQUE; CLASSICAL BUILDING; STADIUM; HUT; TENT; FOUNTAIN;
        LIGHTHOUSE; WINDMILL? ; BRIDGE AT NIGHT; FERRIS WHEEL; CAROUSEL HORSE""",
    "vehicles": """AUTOMOBILE; TAXI; RECREATIONAL VEHICLE; POLICE CAR; AMBULANCE; FIRE ENGINE; BUS; TROLLEYBUS;
        MINIBUS; DELIVERY TRUCK; ARTICULATED LORRY; TRACTOR; RACING CAR; RACING MOTORCYCLE; MOTOR SCOOTER;
        BICYCLE; SCOOTER; SKATEBOARD; STEAM LOCOMOTIVE; HIGH-SPEED TRAIN; TRAM CAR; HELICOPTER; AIRPLANE;
        SMALL AIRPLANE; ROCKET; FLYING SAUCER; SAILBOAT; SPEEDBOAT; SHIP; CANOE; MOTOR BOAT; PICKUP TRUCK""",
    "plants": """SEEDLING; EVERGREEN TREE; DECIDUOUS TREE; PALM TREE; CACTUS; SHEAF OF RICE; HERB; SHAMROCK;
        FOUR LEAF CLOVER; MAPLE LEAF; FALLEN LEAF; CHERRY BLOSSOM; ROSE; HIBISCUS; SUNFLOWER; BLOSSOM;
        TULIP; BOUQUET; WILTED FLOWER; POTTED PLANT; LOTUS; CHRISTMAS TREE""",
}

# Where the Unicode name is not what a person would write in a prompt.
WORDING = {
    "ATHLETIC SHOE": "athletic shoe",
    "MANS SHOE": "leather shoe",
    "WOMANS SANDAL": "sandal",
    "WOMANS BOOTS": "tall boots",
    "THONG SANDAL": "flip-flop",
    "SCHOOL SATCHEL": "backpack",
    "PERSONAL COMPUTER": "laptop",
    "ELECTRIC LIGHT BULB": "light bulb",
    "CLOSED UMBRELLA": "umbrella",
    "HOURGLASS WITH FLOWING SAND": "hourglass",
    "BASKETBALL AND HOOP": "basketball",
    "TENNIS RACQUET AND BALL": "tennis racquet",
    "WRAPPED PRESENT": "present",
    "BOOKS": "stack of books",
    "DOG FACE": "dog face",
    "CAT FACE": "cat face",
    "MOUSE FACE": "mouse",
    "HAMSTER FACE": "hamster",
    "RABBIT FACE": "rabbit",
    "FOX FACE": "fox",
    "BEAR FACE": "bear",
    "PANDA FACE": "panda",
    "TIGER FACE": "tiger",
    "LION FACE": "lion",
    "COW FACE": "cow",
    "PIG FACE": "pig",
    "FROG FACE": "frog",
    "MONKEY FACE": "monkey",
    "WOLF FACE": "wolf",
    "HORSE FACE": "horse",
    "UNICORN FACE": "unicorn",
    "ZEBRA FACE": "zebra",
    "GIRAFFE FACE": "giraffe",
    "DROMEDARY CAMEL": "camel",
    "SPOUTING WHALE": "whale",
    "HONEYBEE": "bee",
    "LADY BEETLE": "ladybird",
    "EAR OF MAIZE": "corn cob",
    "AUBERGINE": "aubergine",
    "COOKING": "fried egg",
    "POULTRY LEG": "chicken leg",
    "SLICE OF PIZZA": "slice of pizza",
    "STEAMING BOWL": "bowl of noodles",
    "SHORTCAKE": "slice of cake",
    "SOFT ICE CREAM": "ice cream cone",
    "ICE CREAM": "ice cream sundae",
    "HONEY POT": "honey pot",
    "BAGUETTE BREAD": "baguette",
    "HOT BEVERAGE": "cup of coffee",
    "TEACUP WITHOUT HANDLE": "teacup",
    "BOTTLE WITH POPPING CORK": "champagne bottle",
    "GLASS OF MILK": "glass of milk",
    "BEER MUG": "beer mug",
    "TUMBLER GLASS": "tumbler",
    "CUP WITH STRAW": "cup with a straw",
    "BEVERAGE BOX": "juice box",
    "MATE DRINK": "mate cup",
    "SAKE BOTTLE AND CUP": "sake bottle",
    "HOUSE BUILDING": "house",
    "HOUSE WITH GARDEN": "house with a garden",
    "EUROPEAN POST OFFICE": "post office",
    "EUROPEAN CASTLE": "castle",
    "JAPANESE CASTLE": "japanese castle",
    "CLASSICAL BUILDING": "classical building",
    "BRIDGE AT NIGHT": "bridge at night",
    "CAROUSEL HORSE": "carousel horse",
    "AUTOMOBILE": "car",
    "RECREATIONAL VEHICLE": "camper van",
    "FIRE ENGINE": "fire engine",
    "ARTICULATED LORRY": "lorry",
    "RACING MOTORCYCLE": "motorcycle",
    "SCOOTER": "kick scooter",
    "STEAM LOCOMOTIVE": "steam train",
    "HIGH-SPEED TRAIN": "high-speed train",
    "TRAM CAR": "tram",
    "FLYING SAUCER": "flying saucer",
    "MOTOR BOAT": "motor boat",
    "SHEAF OF RICE": "sheaf of rice",
    "FOUR LEAF CLOVER": "four-leaf clover",
    "BLOSSOM": "yellow blossom",
    "WILTED FLOWER": "wilted flower",
}
# A few subjects also answer to other names (the demo's briefs ask for "a trail shoe").
ALIASES = {
    "athletic shoe": ["running shoe", "trail shoe", "trainer", "sneaker"],
    "hiking boot": ["walking boot"],
    "leather shoe": ["dress shoe"],
    "cup of coffee": ["coffee cup", "mug of coffee"],
    "car": ["automobile"],
}

# Named background colours: the palette the benchmark measures against.
BACKGROUNDS = {
    "white": (245, 245, 245),
    "black": (20, 20, 20),
    "grey": (128, 128, 128),
    "red": (200, 30, 35),
    "orange": (240, 130, 20),
    "yellow": (245, 215, 40),
    "green": (40, 150, 60),
    "blue": (30, 80, 200),
    "purple": (120, 50, 160),
    "pink": (240, 130, 180),
    "brown": (110, 70, 35),
    "teal": (20, 140, 140),
}
# Simple scenes: (caption, top colour, bottom colour, horizon as a fraction of the height or None for a gradient)
SCENES = {
    "sky": ("in the sky", (90, 160, 235), (200, 225, 250), None),
    "grass": ("on grass", (150, 200, 245), (70, 160, 60), 0.55),
    "sea": ("by the sea", (150, 200, 245), (25, 90, 170), 0.5),
    "sand": ("on sand", (160, 205, 245), (225, 200, 140), 0.6),
    "studio": ("in a studio", (235, 235, 232), (190, 190, 186), 0.65),
}
POSITIONS = {  # caption, centre (x, y) as fractions; the subject's box is kept inside the frame
    "centre": ("centred", (0.5, 0.5)),
    "left": ("on the left", (0.25, 0.5)),
    "right": ("on the right", (0.75, 0.5)),
    "top": ("at the top", (0.5, 0.25)),
    "bottom": ("at the bottom", (0.5, 0.75)),
}
SCALES = {"close-up": 0.62, "medium shot": 0.48, "small": 0.36}
COLOURS = {"red": 0.0, "orange": 0.07, "yellow": 0.15, "green": 0.33, "blue": 0.62, "purple": 0.77, "pink": 0.9}
GREYS = ("grey",)
FINISH = "flat colours"
# Words that prompts often carry and this model should learn to pass over.
EXTRAS = [
    "sharp focus",
    "soft light",
    "product shot",
    "clean",
    "minimal",
    "high quality",
    "detailed",
    "illustration",
    "flat vector",
    "watercolor",
    "cinematic",
    "studio lighting",
    "editorial",
    "bright",
]


@dataclass(frozen=True)
class Subject:
    index: int
    char: str
    unicode_name: str
    name: str
    kind: str


def subjects() -> list[Subject]:
    found: list[Subject] = []
    seen: set[str] = set()
    for kind, names in KINDS.items():
        for raw in names.split(";"):
            uname = raw.strip().rstrip("?").strip()
            if not uname:
                continue
            try:
                char = unicodedata.lookup(uname)
            except KeyError:
                continue
            name = WORDING.get(uname, uname.lower())
            if name in seen:
                continue
            seen.add(name)
            found.append(Subject(len(found), char, uname, name, kind))
    return found


def article(noun: str) -> str:
    plural = noun.endswith("s") and not noun.endswith(("ss", "us", "os"))
    if plural or noun.startswith(("stack of", "sheaf of")):
        return noun if plural else f"a {noun}"
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


class Renderer:
    """Each subject drawn once from the font (RGBA, cropped to its box), then composed on demand."""

    def __init__(self, font: Path = FONT) -> None:
        self.font = ImageFont.truetype(str(font), FONT_SIZE)
        self._glyphs: dict[str, Image.Image] = {}

    def glyph(self, char: str) -> Image.Image:
        if char not in self._glyphs:
            canvas = Image.new("RGBA", (160, 160), (0, 0, 0, 0))
            ImageDraw.Draw(canvas).text((8, 8), char, font=self.font, embedded_color=True)
            box = canvas.getbbox()
            if box is None:
                raise ValueError(f"the font draws nothing for {unicodedata.name(char)}")
            self._glyphs[char] = canvas.crop(box)
        return self._glyphs[char]

    def draws(self, char: str) -> bool:
        try:
            self.glyph(char)
            return True
        except ValueError:
            return False


def background(name: str, size: int) -> Image.Image:
    if name in BACKGROUNDS:
        return Image.new("RGB", (size, size), BACKGROUNDS[name])
    _, top, bottom, horizon = SCENES[name]
    rows = np.linspace(0, 1, size)[:, None]
    if horizon is None:
        mix = rows
    else:
        mix = (rows >= horizon).astype(float)
    pixels = (1 - mix) * np.array(top)[None, :] + mix * np.array(bottom)[None, :]
    return Image.fromarray(np.repeat(pixels[:, None, :], size, axis=1).astype(np.uint8))


def recolour(glyph: Image.Image, colour: str | None) -> Image.Image:
    """The glyph with its hues turned so that its main hue is ``colour`` (or greyed)."""
    if colour is None:
        return glyph
    rgba = np.asarray(glyph).astype(np.float32) / 255.0
    hsv = np.asarray(glyph.convert("RGB").convert("HSV")).astype(np.float32) / 255.0
    if colour in GREYS:
        grey = (rgba[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32))[..., None]
        rgb = np.repeat(grey, 3, axis=2)
    else:
        weight = hsv[..., 1] * hsv[..., 2] * rgba[..., 3]
        angle = hsv[..., 0] * 2 * np.pi
        main = np.arctan2((weight * np.sin(angle)).sum(), (weight * np.cos(angle)).sum()) / (2 * np.pi)
        shifted = hsv.copy()
        shifted[..., 0] = (hsv[..., 0] + COLOURS[colour] - main) % 1.0
        shifted[..., 1] = np.maximum(hsv[..., 1], 0.55 * (hsv[..., 2] > 0.15))  # a pale subject takes the colour too
        rgb = (
            np.asarray(Image.fromarray((shifted * 255).astype(np.uint8), "HSV").convert("RGB")).astype(np.float32) / 255
        )
    out = np.concatenate([rgb, rgba[..., 3:]], axis=2)
    return Image.fromarray((out * 255).round().astype(np.uint8), "RGBA")


def compose(
    renderer: Renderer,
    subject: Subject,
    back: str,
    position: str,
    scale: str,
    colour: str | None = None,
    size: int = SIZE,
    jitter: tuple[float, float, float] = (0, 0, 0),
) -> Image.Image:
    """One picture: the subject (recoloured) at ``scale`` of the frame, its box centred at ``position``."""
    canvas = background(back, size)
    glyph = renderer.glyph(subject.char)
    side = SCALES[scale] * (1 + jitter[2]) * size
    ratio = side / max(glyph.size)
    w, h = max(1, round(glyph.width * ratio)), max(1, round(glyph.height * ratio))
    small = recolour(glyph.resize((w, h), Image.LANCZOS), colour)
    cx, cy = POSITIONS[position][1]
    cx, cy = cx + jitter[0], cy + jitter[1]
    x = min(max(round(cx * size - w / 2), 0), size - w)
    y = min(max(round(cy * size - h / 2), 0), size - h)
    canvas.paste(small, (x, y), small)
    return canvas


def background_words(back: str) -> str:
    return f"on {article(back).split(' ', 1)[0]} {back} background" if back in BACKGROUNDS else SCENES[back][0]


def caption(
    subject_name: str,
    back: str | None,
    position: str | None,
    scale: str | None,
    colour: str | None = None,
    extras: list[str] = (),
) -> str:
    """The prompt skeleton: subject, background, position, scale, finish (clauses may be left out)."""
    noun = f"{colour} {subject_name}" if colour else subject_name
    parts = [article(noun)]
    if back:
        parts.append(background_words(back))
    if position:
        parts.append(POSITIONS[position][0])
    if scale:
        parts.append(scale)
    parts.append(FINISH)
    parts.extend(extras)
    return ", ".join(parts)


def _bucket(*parts: str) -> int:
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:8], 16) % 100


def held_out(subject: Subject, back: str, position: str) -> bool:
    """One (subject, background, position) combination in twelve never appears in training."""
    return _bucket(subject.name, back, position) < 8


def vocabulary() -> list[str]:
    """Every word the captions use, for the tokenizer."""
    words: set[str] = set()
    texts = [s.name for s in subjects()] + [a for v in ALIASES.values() for a in v]
    texts += [background_words(b) for b in list(BACKGROUNDS) + list(SCENES)]
    texts += [p for p, _ in POSITIONS.values()] + list(SCALES) + list(COLOURS) + list(GREYS) + [FINISH] + EXTRAS
    texts += ["a an the of with"]
    for text in texts:
        for word in "".join(c if c.isalpha() else " " for c in text.lower()).split():
            words.add(word)
    return sorted(words)


SHOES = {
    "athletic shoe",
    "hiking boot",
    "leather shoe",
    "high-heeled shoe",
    "sandal",
    "tall boots",
    "ballet shoes",
    "flat shoe",
    "flip-flop",
}
SHOE_SHARE = 0.15  # shoes are what the demo's brief asks for: they are drawn more often


def sample(rng: random.Random, renderer: Renderer, pool: list[Subject]) -> tuple[Image.Image, str]:
    """One training picture and its caption; never a held-out combination."""
    shoes = [s for s in pool if s.name in SHOES]
    while True:
        subject = rng.choice(shoes if rng.random() < SHOE_SHARE else pool)
        back = rng.choice(list(BACKGROUNDS)) if rng.random() < 0.75 else rng.choice(list(SCENES))
        position = rng.choice(list(POSITIONS))
        if not held_out(subject, back, position):
            break
    scale = rng.choice(list(SCALES))
    roll = rng.random()
    colour = None if roll < 0.6 else (rng.choice(GREYS) if roll < 0.68 else rng.choice(list(COLOURS)))
    jitter = (rng.uniform(-0.04, 0.04), rng.uniform(-0.04, 0.04), rng.uniform(-0.08, 0.08))
    image = compose(renderer, subject, back, position, scale, colour, jitter=jitter)
    name = subject.name
    if name in ALIASES and rng.random() < 0.5:
        name = rng.choice(ALIASES[name])
    extras = rng.sample(EXTRAS, rng.randint(1, 2)) if rng.random() < 0.25 else []
    text = caption(
        name,
        back if rng.random() > 0.05 else None,
        position if rng.random() > 0.1 else None,
        scale if rng.random() > 0.2 else None,
        colour,
        extras,
    )
    return image, text


def font_sha256(font: Path = FONT) -> str:
    return hashlib.sha256(font.read_bytes()).hexdigest()


__all__ = [
    "Subject",
    "Renderer",
    "subjects",
    "compose",
    "caption",
    "held_out",
    "sample",
    "vocabulary",
    "BACKGROUNDS",
    "SCENES",
    "POSITIONS",
    "SCALES",
    "COLOURS",
    "SIZE",
    "FONT",
    "font_sha256",
    "article",
]
