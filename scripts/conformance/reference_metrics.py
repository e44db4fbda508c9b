"""
The reference metrics, copied verbatim (function bodies unchanged) from the two repositories whose numbers the
papers' tables carry. Only the functions the fixture calls are copied; the imports they need are above each block.

1. Mem0, evaluation/metrics/utils.py at commit d85fcda0378e3e2ba8772705b075049484bd8fa8 (mem0ai/mem0; the file was
   retired from the repository in 9315e3036f24e633944daf63ca59f430d0092e71). Licence: Apache License 2.0,
   Copyright Mem0 (the repository's LICENSE). The file itself is "Borrowed from
   https://github.com/WujiangXu/AgenticMemory/blob/main/utils.py" (A-Mem, which pins nltk==3.9.1).
   Copied: simple_tokenize, calculate_bleu_scores, calculate_metrics (F1 and BLEU-1 as the tables report them).
   Not copied: the ROUGE/BERTScore/METEOR/SBERT helpers (calculate_metrics does not call them) and the module's
   `nltk.download(...)` / SentenceTransformer start-up (no hub here: the Punkt tables come from a registry package).

2. LoCoMo, task_eval/evaluation.py at commit 92286325a40764bee61f77824ddb95233b11c4d6 (snap-research/locomo).
   The repository carries no licence file at that commit (nor at e76cdff4a04fce19090596d49862fe87a5c15aaa, its
   newest); copied here for conformance testing only, with attribution, and not shipped in the app.
   Copied: normalize_answer, f1_score, f1, eval_question_answering (the per-category handling).
   eval_question_answering's bertscore branch is never taken (no line carries "metric"), so bert_score is not imported.
"""

# ---- Mem0 evaluation/metrics/utils.py (d85fcda0378e3e2ba8772705b075049484bd8fa8), Apache-2.0 ----
import nltk
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu
from typing import Dict

def simple_tokenize(text):
    """Simple tokenization function."""
    # Convert to string if not already
    text = str(text)
    return text.lower().replace(".", " ").replace(",", " ").replace("!", " ").replace("?", " ").split()


def calculate_bleu_scores(prediction: str, reference: str) -> Dict[str, float]:
    """Calculate BLEU scores with different n-gram settings."""
    pred_tokens = nltk.word_tokenize(prediction.lower())
    ref_tokens = [nltk.word_tokenize(reference.lower())]

    weights_list = [(1, 0, 0, 0), (0.5, 0.5, 0, 0), (0.33, 0.33, 0.33, 0), (0.25, 0.25, 0.25, 0.25)]
    smooth = SmoothingFunction().method1

    scores = {}
    for n, weights in enumerate(weights_list, start=1):
        try:
            score = sentence_bleu(ref_tokens, pred_tokens, weights=weights, smoothing_function=smooth)
        except Exception as e:
            print(f"Error calculating BLEU score: {e}")
            score = 0.0
        scores[f"bleu{n}"] = score

    return scores


def calculate_metrics(prediction: str, reference: str) -> Dict[str, float]:
    """Calculate comprehensive evaluation metrics for a prediction."""
    # Handle empty or None values
    if not prediction or not reference:
        return {
            "exact_match": 0,
            "f1": 0.0,
            "rouge1_f": 0.0,
            "rouge2_f": 0.0,
            "rougeL_f": 0.0,
            "bleu1": 0.0,
            "bleu2": 0.0,
            "bleu3": 0.0,
            "bleu4": 0.0,
            "bert_f1": 0.0,
            "meteor": 0.0,
            "sbert_similarity": 0.0,
        }

    # Convert to strings if they're not already
    prediction = str(prediction).strip()
    reference = str(reference).strip()

    # Calculate exact match
    exact_match = int(prediction.lower() == reference.lower())

    # Calculate token-based F1 score
    pred_tokens = set(simple_tokenize(prediction))
    ref_tokens = set(simple_tokenize(reference))
    common_tokens = pred_tokens & ref_tokens

    if not pred_tokens or not ref_tokens:
        f1 = 0.0
    else:
        precision = len(common_tokens) / len(pred_tokens)
        recall = len(common_tokens) / len(ref_tokens)
        f1 = 2 * precision * recall / (precision + recall) if (precision + recall) > 0 else 0.0

    # Calculate all scores
    bleu_scores = calculate_bleu_scores(prediction, reference)

    # Combine all metrics
    metrics = {
        "exact_match": exact_match,
        "f1": f1,
        **bleu_scores,
    }

    return metrics


# ---- LoCoMo task_eval/evaluation.py (92286325a40764bee61f77824ddb95233b11c4d6) ----
import regex
import json
import string
import numpy as np
from collections import Counter
from nltk.stem import PorterStemmer
ps = PorterStemmer()

def normalize_answer(s):

    s = s.replace(',', "")
    def remove_articles(text):
        # return regex.sub(r'\b(a|an|the)\b', ' ', text)
        return regex.sub(r'\b(a|an|the|and)\b', ' ', text)

    def white_space_fix(text):
        return ' '.join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return ''.join(ch for ch in text if ch not in exclude)

    def lower(text):
        return text.lower()

    return white_space_fix(remove_articles(remove_punc(lower(s))))


def f1_score(prediction, ground_truth):
    prediction_tokens = [ps.stem(w) for w in normalize_answer(prediction).split()]
    ground_truth_tokens = [ps.stem(w) for w in normalize_answer(ground_truth).split()]
    common = Counter(prediction_tokens) & Counter(ground_truth_tokens)
    num_same = sum(common.values())
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(prediction_tokens)
    recall = 1.0 * num_same / len(ground_truth_tokens)
    f1 = (2 * precision * recall) / (precision + recall)
    # print('# F1 #', prediction, ' | ', ground_truth, ' #', precision, recall, f1)
    # return recall
    return f1


def f1(prediction, ground_truth):
    predictions = [p.strip() for p in prediction.split(',')]
    ground_truths = [g.strip() for g in ground_truth.split(',')]
    # print('# F1 [multi-answer]#', predictions, ' | ', ground_truths, ' #', np.mean([max([f1_score(prediction, gt) for prediction in predictions]) for gt in ground_truths]))
    return np.mean([max([f1_score(prediction, gt) for prediction in predictions]) for gt in ground_truths])


def eval_question_answering(infile, eval_key='prediction', metric='f1'):

    # lines = open(infile, 'r').readlines()[1:]
    lines = json.load(open(infile, 'r'))['qa']

    all_ems = []
    all_recall = []
    exact_match_count = 0
    f1_count = 0
    answer_lengths = []
    for i, line in enumerate(lines):
        # line = json.loads(line)
        if type(line[eval_key]) == list:
            answer = line['answer']
        else:
            answer = str(line['answer'])
        if line['category'] == 3:
            answer = answer.split(';')[0].strip()
        
        output = line[eval_key]

        if "metric" in line and line["metric"] == "bertscore":
            # print(answer, output)
            all_ems.append(bert_score(output, answer))
            answer_lengths.append(len(output.split()))
        
        elif line['category'] in [2, 3, 4]:
            # print(answer, output)
            all_ems.append(f1_score(output, answer))
            # all_ems.append(rougel_score(output, answer))
            # all_ems.append(bert_score(output, answer))
        
        elif line['category'] in [1]:
            # all_ems.append(bert_score(output, answer))
            all_ems.append(f1(output, answer))
            # all_ems.append(rougel_score(output, answer))
            answer_lengths.append(len(output.split()))

        elif line['category'] in [5]:
            # all_ems.append(1-rougel_score(output, answer))
            if 'no information available' in output.lower() or 'not mentioned' in output.lower():
                all_ems.append(1)
            else:
                all_ems.append(0)
                # all_ems.append(1-f1_score(output, answer))

        else:
            print(line)
            raise ValueError
        
        assert i+1 == len(all_ems), all_ems

        if eval_key + '_context' in line and len(line['evidence']) > 0:
            # recall_acc for dialog
            if line[eval_key + '_context'][0].startswith('S'):
                sessions = [e[1:] for e in line[eval_key + '_context']]
                recall_acc = float(sum([ev.split(':')[0][1:] in sessions for ev in line["evidence"]]))/len(line['evidence'])
            else:
                recall_acc = float(sum([ev in line[eval_key + '_context'] for ev in line["evidence"]]))/len(line['evidence'])
            all_recall.append(recall_acc)
        else:
            all_recall.append(1)

    print("{} QA samples evaluated; {} accuracy values".format(len(lines), len(all_ems)))
    lens = round(np.mean(answer_lengths), 4)
    return all_ems, lens, all_recall
