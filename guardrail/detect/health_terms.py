"""The health lexicon: what a question must name to ask about a caller's health.

Origin and license: written by hand for this project (no list was copied),
from the generic and brand names of commonly prescribed and over-the-counter
medicines, common chronic and acute conditions, tests and their readings,
and the words of pain, pregnancy, allergy and mental-health questions. Drug
names are facts, not anyone's work; this file is under the project's own
license. Add a word where a real call shows it missing; a word that is also
everyday speech ("pain", "condition", "sick") goes in with its health
phrases only, or among the decoys in ``requests.py``.

Plain Python data (no package data file, no loading step): importing this
module costs a few frozensets and tuples, built once.
"""

from __future__ import annotations

__all__ = ["DRUGS", "DRUG_SUFFIXES", "HEALTH_PHRASES", "HEALTH_WORDS", "words"]


def words(text: str) -> frozenset[str]:
    """The words of ``text``, a list written as running text for easy reading and editing."""
    return frozenset(text.split())


DRUGS: frozenset[str] = words(
    """
    abilify acetaminophen acyclovir adderall adalimumab advair albuterol alendronate allopurinol
    alprazolam ambien amiodarone amitriptyline amlodipine amoxicillin amphetamine anastrozole
    apixaban aricept aripiprazole aspirin atenolol ativan atorvastatin augmentin azithromycin
    baclofen benadryl benazepril biktarvy bisoprolol brilinta budesonide bumetanide bupropion
    buspirone carbamazepine carbidopa carvedilol cefalexin cephalexin celebrex celecoxib cetirizine
    chlorthalidone cialis ciprofloxacin citalopram clonazepam clonidine clopidogrel clozapine
    codeine colchicine concerta coumadin crestor cyclobenzaprine cymbalta dapagliflozin depakote
    dexamethasone diazepam diclofenac digoxin diltiazem diovan donepezil doxycycline dulaglutide
    duloxetine effexor eliquis empagliflozin enalapril entresto epinephrine epipen escitalopram
    esomeprazole estradiol eszopiclone ezetimibe famotidine farxiga fenofibrate fentanyl
    fexofenadine finasteride flecainide flomax fluconazole fluoxetine fluticasone folic furosemide
    gabapentin glimepiride glipizide glucophage glyburide humalog humira hydralazine
    hydrochlorothiazide hydrocodone hydroxychloroquine hydroxyzine ibuprofen imitrex insulin
    invokana jardiance januvia keppra klonopin lamictal lamotrigine lansoprazole lantus lasix
    latanoprost levemir levetiracetam levofloxacin levothyroxine lexapro lipitor liraglutide
    lisinopril lithium loratadine lorazepam losartan lovastatin lyrica meloxicam memantine
    metformin methadone methimazole methocarbamol methotrexate methylphenidate methylprednisolone
    metoclopramide metoprolol metronidazole mirtazapine montelukast morphine mounjaro naltrexone
    naproxen neurontin nexium nifedipine nitrofurantoin nitroglycerin norco novolog nystatin
    olanzapine olmesartan omeprazole ondansetron ozempic oxybutynin oxycodone oxycontin
    pantoprazole paroxetine percocet phenytoin pioglitazone plavix pravastatin prednisolone
    prednisone pregabalin premarin prilosec promethazine propranolol prozac quetiapine
    ramipril ranitidine rivaroxaban risperdal risperidone ritalin rosuvastatin seroquel sertraline
    sildenafil simvastatin singulair sitagliptin spironolactone sumatriptan suboxone synthroid
    tadalafil tamoxifen tamsulosin tegretol temazepam terbinafine topamax topiramate tramadol
    trazodone triamcinolone trulicity tylenol valacyclovir valium valsartan venlafaxine
    ventolin verapamil viagra vicodin vitamin vyvanse warfarin wegovy wellbutrin xanax xarelto
    zetia zocor zoloft zolpidem zyrtec
    """
)
"""Medicine names, generic and brand, one word each."""

DRUG_SUFFIXES: tuple[str, ...] = (
    "statin", "pril", "sartan", "olol", "dipine", "azole", "cillin", "mycin", "floxacin",
    "cycline", "prazole", "tidine", "gliptin", "gliflozin", "glutide", "formin", "parin", "xaban",
    "ovir", "avir", "zepam", "zolam", "oxetine", "triptan", "afil", "lukast", "isone", "asone",
    "olone", "profen", "codone", "morphone", "azepine", "thiazide", "semide", "tinib", "zumab",
    "ximab", "mumab", "setron", "tropium", "terol", "pramine", "triptyline", "peridol", "apine",
    "idone", "barbital",
)  # fmt: skip
"""Endings that name a drug class ("-statin", "-pril"): a word of at least seven letters
with one of these is taken for a medicine the lexicon does not list yet."""

HEALTH_WORDS: frozenset[str] = words(
    """
    medication medications medicine medicines meds prescription prescriptions prescribed
    dose doses dosage dosages milligrams milligram mg mcg pill pills inhaler injections
    pain pains painful discomfort aches ache sore headache headaches nausea dizzy dizziness
    fever fevers feverish rash rashes swelling swollen itchy itching cough coughing vomiting
    diarrhea diarrhoea nauseous cramps cramping numbness tingling fatigue wheezing
    pacemaker breastfeeding implant implants wheelchair
    diagnose diagnosing hospital hospitals
    diagnosed diagnosis diagnoses symptom symptoms allergy allergies allergic illness illnesses
    disability disabilities surgery surgeries surgical hospitalized hospitalised
    pregnant pregnancy trimester menstrual menstruation menopause miscarriage contraception
    contraceptive
    diabetes diabetic prediabetes hypertension asthma cancer chemotherapy chemo radiation tumor
    tumour copd emphysema bronchitis pneumonia epilepsy seizure seizures stroke strokes dementia
    alzheimer alzheimers alzheimer's parkinson parkinsons parkinson's arthritis osteoporosis
    lupus crohn crohns crohn's colitis hepatitis hiv aids cirrhosis fibromyalgia migraine
    migraines anemia anaemia thyroid hypothyroidism hyperthyroidism cholesterol angina arrhythmia
    afib fibrillation glaucoma cataracts psoriasis eczema insomnia apnea apnoea obesity
    depression depressed anxiety anxious bipolar schizophrenia ptsd adhd ocd suicidal
    therapist psychiatrist psychologist counselling counseling antidepressant antidepressants
    a1c hba1c glucose bmi biopsy mammogram colonoscopy mri ultrasound ekg ecg
    vitamins supplements smoke smoking smoker cigarettes tobacco alcohol vape vaping
    covid vaccinated vaccination vaccine vaccines
    """
)
"""Words that, in a question to the caller, are about the caller's health on their own."""

HEALTH_PHRASES: tuple[str, ...] = (
    r"(?:medical|health|mental health|family) (?:history|conditions?|problems?|issues?|records?)",
    r"mental health",
    r"(?:preexisting|pre existing|chronic|underlying|heart|lung|kidney|liver) (?:conditions?|"
    r"disease|problems?|issues?)",
    r"(?:heart|kidney|liver|lung) (?:disease|failure|attack|attacks|transplant)",
    r"heart rate",
    r"history of",
    r"(?:blood|sugar|glucose|cholesterol) (?:pressure|sugar|sugars|levels?|readings?|work|"
    r"tests?|results?|count)",
    r"(?:blood|lab|test|scan|x ray|xray) results?",
    r"(?:test|tests|lab|labs) (?:come|came) back",
    r"(?:taking|take) (?:any|anything) (?:for|else|regularly|at the moment|currently)",
    r"(?:are|were) you (?:currently |still |now )?(?:taking|on) (?:any|anything)",
    r"what (?:are|do) you (?:take|taking) for",
    r"scale of (?:one|1|zero|0) to (?:ten|10)",
    r"(?:where does it|does it) hurt",
    r"(?:feeling|felt|been feeling) (?:down|low|depressed|hopeless|anxious|suicidal)",
    r"(?:harm|harming|hurt|hurting|kill|killing) yourself",
    r"(?:trouble|problems?|difficulty) (?:sleeping|breathing|swallowing|falling asleep|staying"
    r" asleep)",
    r"how (?:are|have) you (?:been )?sleeping",
    r"hours of sleep",
    r"(?:your|his|her|their) (?:mood|moods|appetite|sleep|energy levels?)",
    r"how far along (?:are|is) (?:you|she)",
    r"(?:reaction|reactions) to",
    r"allergic (?:reaction|reactions)",
    r"(?:mild|moderate) or severe",
    r"(?:do|did) you (?:smoke|drink alcohol|use drugs|use any drugs)",
    r"how (?:much|often) do you (?:smoke|drink)",
    r"(?:drinks|units of alcohol|cigarettes) (?:do you have|a day|a week|per day|per week)",
    r"(?:planning|trying) to (?:get|become) pregnant",
    r"(?:are|is) (?:you|she) expecting",
    r"(?:seeing|see|seen) (?:a|your|the) (?:doctor|physician|specialist|therapist|"
    r"cardiologist|oncologist|counsel(?:l)?or)",
    r"(?:your|a) (?:doctor|physician) (?:prescribe|prescribed|say|said|told)",
    r"flu shot",
    r"(?:treated|treating|treatment|seen|checked) for",
    r"(?:your|her) (?:last |most recent )?(?:period|menstrual period)",
    r"blood (?:type|group|thinner|thinners)",
    r"(?:allergic|allergies|allergy) to",
    r"how much do you weigh",
    r"(?:your|current) (?:weight|height)",
)
"""Phrases (regular expressions over lower-cased text, one space for any run of spaces)
that are about health on their own, in a question to the caller."""
