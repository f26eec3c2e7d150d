"""A small thesaurus for the tests, independent of the seed file."""

from __future__ import annotations

from pan_platform.thesaurus import operations

SAMPLE = """concept,area,lang,term,preferred
cybercrime,cybercrime,en,cyber-crime,1
cybercrime,cybercrime,ru,киберпреступность,1
cybercrime,cybercrime,fr,cybercriminalité,1
cybercrime,cybercrime,de,Cyberkriminalität,1
cybercrime,cybercrime,es,ciberdelincuencia,1
cybercrime,cybercrime,es,cibercrimen,0
cybercrime,cybercrime,it,criminalità informatica,1
cybercrime,cybercrime,ar,الجريمة السيبرانية,1
drugs,illicit-drugs,en,illicit drugs,1
drugs,illicit-drugs,en,narcotics,0
drugs,illicit-drugs,en,drugs,0
drugs,illicit-drugs,de,Drogen,1
drugs,illicit-drugs,ru,наркотики,1
drug-trafficking,illicit-drugs,en,drug trafficking,1
drug-trafficking,illicit-drugs,en,narcotrafficking,0
drug-trafficking,illicit-drugs,ru,наркоторговля,1
drug-trafficking,illicit-drugs,fr,trafic de stupéfiants,1
drug-trafficking,illicit-drugs,de,Drogenhandel,1
drug-trafficking,illicit-drugs,es,narcotráfico,1
drug-trafficking,illicit-drugs,it,traffico di stupefacenti,1
drug-trafficking,illicit-drugs,ar,الاتجار بالمخدرات,1
thb,human-trafficking,en,trafficking in human beings,1
thb,human-trafficking,en,THB,0
thb,human-trafficking,en,human trafficking,0
thb,human-trafficking,de,Menschenhandel,1
jit,state-cooperation,en,joint investigation team,1
jit,state-cooperation,en,JIT,0
jit,state-cooperation,fr,équipe commune d'enquête,1
jit,state-cooperation,fr,ECE,0
jit,state-cooperation,de,gemeinsame Ermittlungsgruppe,1
"""


def load_sample(text: str = SAMPLE) -> None:
    operations.import_csv(text.encode("utf-8"), None)
