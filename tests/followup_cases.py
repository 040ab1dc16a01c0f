"""Twenty two-turn conversations written for the follow-up tests (in neither eval set).

Each: (language, first question, follow-up, a phrase of the passage that answers the
follow-up). The follow-ups lean on the first turn; on their own they are too vague.
"""

CONVERSATIONS = [
    ("nl", "Welk groeifondsproject voor werklandschappen noemt het artikel?",
     "En tot wanneer loopt dat?", "Dit loopt nog tot en met 2027"),
    ("en", "What does the text say about herontwikkelingsmaatschappijen?", "And in Utrecht?",
     "provincies Utrecht en Overijssel"),
    ("nl", "Wat is het European Tech Champions Initiative?", "Hoeveel geld gaat daarnaartoe?",
     "200 miljoen euro"),
    ("en", "What is the Nationale Technologiestrategie?", "How many technologies does it name?",
     "tien – voor Nederland kansrijke"),
    ("nl", "Wat moet er volgens de tekst gebeuren met woondeals?",
     "En wat moet daarin worden opgenomen?", "minimumpercentages"),
    ("en", "What does the article suggest about a rijksgrondfaciliteit?",
     "What would that make possible?", "actiever grondbeleid"),
    ("nl", "Wat is het Pakket voor Groene Groei?", "En hoeveel geld is daarmee gemoeid?",
     "643 miljoen euro"),
    ("en", "What did minister Adriaansens send to the Tweede Kamer in 2022?",
     "And what happened after that?", "nauwelijks gedurfde stappen"),
    ("nl", "Waarom lopen stedelijke gemeenten vast bij het mengen van functies?",
     "En wat moet er dan gefinancierd worden?", "onrendabele top"),
    ("en", "What is the productiviteitsagenda of September 2025 about?",
     "What about the money for it?", "geen concrete financiële middelen"),
    ("nl", "Wat zegt het artikel over de Ruimtelijk Economische Visie?",
     "Wat wordt daarin gesteld?", "ruimte voor economie niet mag afnemen"),
    ("en", "What does the text say about the competitiveness compass?", "What is its goal?",
     "kwetsbare afhankelijkheden af te bouwen"),
    ("nl", "Wat zijn regionale ontwikkelingsmaatschappijen?", "Wie financiert die?",
     "gefinancierd door EZ"),
    ("en", "What is in the Kamerbrief of 11 July 2025 about investing in research?",
     "And which organisations would be merged?", "Invest-NL en Invest International"),
    ("nl", "Wat vindt de tekst van een publiek-privaat investeringsfonds?",
     "En wat vraagt dat van de overheid?", "daadkrachtige en gedurfde overheidsaanpak"),
    ("en", "What does the text say about a Nationaal Programma for campuses?",
     "Who should work together on that?", "verschillende ministeries de krachten bundelen"),
    ("nl", "Hoe ontwikkelde de productiviteitsgroei in Nederland zich?", "En bij het mkb?",
     "zorgwekkende verschuiving van werkgelegenheid"),
    ("en", "What does the article say about brede welvaart in this year's budget?",
     "And what did the previous cabinet announce about it?", "vorige kabinet in 2023"),
]

# Written after the limits in Settings were fixed, and never used to choose them: the
# honest estimate of how the rewriting does on follow-ups it was not adjusted to.
HELD_OUT = [
    ("nl", "Wat zegt het artikel over de Nationale Technologiestrategie?",
     "En wanneer komen daar actieagenda's voor?", "concrete actieagenda’s"),
    ("en", "What does the text say about the startup- en scale-up-agenda?",
     "How much money is set aside for it?", "6,7 miljoen euro"),
    ("nl", "Wat is de Borgstelling MKB-kredieten?", "En welke andere regelingen horen daarbij?",
     "Seed business angel regeling"),
    ("en", "What does the article say about rijksgrondfaciliteit for werklocaties?",
     "Who would that help?", "decentrale overheden in staat"),
    ("nl", "Welke sleuteltechnologieën noemt het artikel?", "En welke ministeries werken daarbij samen?",
     "Defensie, VWS en I&W"),
    ("en", "What does the text say about vereveningsfondsen?", "What would they make possible?",
     "maatwerkafspraken"),
    ("nl", "Wat zegt de tekst over de productiviteitsagenda?", "En wat staat daar niet in?",
     "geen concrete financiële middelen"),
    ("en", "What does the text say about institutionele beleggers?",
     "And what is still missing there?", "ruimtelijke vertaling"),
    ("nl", "Wat vindt het artikel van bezuinigingen op het hoger onderwijs?",
     "En waarmee staat dat in contrast?", "stevige ambities vanuit EZ"),
    ("en", "What does the article say about the competitiveness compass of the EC?",
     "Which technologies does it stress?", "deep tech-innovaties"),
]
